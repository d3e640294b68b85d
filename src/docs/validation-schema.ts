import type { OpenAPIObject } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { getMetadataStorage } from 'class-validator';
import { wireFormOf } from '../common/validation/wire-forms';

type PropertySchema = SchemaObject & { $ref?: string };

/** The request DTOs by schema name: every one carries validators. */
function validatedClasses(): Map<string, Function> {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Function, unknown> };
  const classes = new Map<string, Function>();
  for (const target of storage.validationMetadatas.keys()) {
    if (typeof target === 'function' && target.name) classes.set(target.name, target);
  }
  return classes;
}

function eachValidatedProperty(doc: OpenAPIObject, visit: (target: Function, name: string, properties: Record<string, PropertySchema>) => void): void {
  const classes = validatedClasses();
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    const target = classes.get(name);
    const properties = (schema as SchemaObject).properties as Record<string, PropertySchema> | undefined;
    if (target && properties) visit(target, name, properties);
  }
}

/**
 * Integer types and bounds in the document, from the DTOs' own validators (`@IsInt`, `@Min`, `@Max`, `@IsIn`), so
 * that the schema says what validation enforces: `"type": "integer", "minimum": 1, "maximum": 100` for
 * `page_size`, rather than a bare `number` that suggests 2.5 or -1 would do.
 */
export function addValidationBounds(doc: OpenAPIObject): OpenAPIObject {
  eachValidatedProperty(doc, (target, _name, properties) => {
    for (const rule of getMetadataStorage().getTargetValidationMetadatas(target, '', true, false)) {
      const property = properties[rule.propertyName];
      if (!property || property.$ref || rule.each || (property.type !== 'number' && property.type !== 'integer')) continue;
      const constraint = rule.constraints?.[0];
      if (rule.name === 'isInt') property.type = 'integer';
      else if (rule.name === 'min' && typeof constraint === 'number') property.minimum = constraint;
      else if (rule.name === 'max' && typeof constraint === 'number') property.maximum = constraint;
      else if (rule.name === 'isIn' && Array.isArray(constraint) && constraint.every((v) => Number.isInteger(v))) {
        property.type = 'integer';
        property.enum ??= constraint;
      }
    }
  });
  return doc;
}

/** Keys that describe a property as a whole and stay beside its `oneOf`. */
const OUTER_KEYS = ['description', 'example', 'default', 'deprecated', 'title'] as const;

const JSON_TEXT: SchemaObject = { type: 'string', description: 'JSON 文本（可再 URL 编码）/ JSON text, optionally URL-encoded' };
const INTEGER_TEXT = '^\\s*-?[0-9]{1,15}\\s*$';
const DECIMAL_TEXT = '^\\s*-?[0-9]{1,12}(\\.[0-9]{1,2})?\\s*$';

/**
 * Every form the server accepts, in the request schemas (SPEC §1): an integer also as a numeric string, a yuan
 * amount also as decimal text, a string also as a number, `goods`/`orders`/`order_goods`/`address` also as JSON
 * text, code and id lists also as comma lists. Generated clients then type the seed requests exactly as their
 * callers send them (`"goods_id": "164"`, `"orders": "[...]"`). Read from the transforms (`AcceptsOnWire`) and
 * from `@IsMoney`, so the document cannot promise a form the DTO does not take.
 */
export function addWireForms(doc: OpenAPIObject): OpenAPIObject {
  eachValidatedProperty(doc, (target, _name, properties) => {
    const money = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(target, '', true, false)
        .filter((rule) => rule.name === 'isMoney')
        .map((rule) => rule.propertyName),
    );
    for (const [key, property] of Object.entries(properties)) {
      const alternative = money.has(key) ? 'decimal-text' : wireFormOf(target, key);
      const widened = alternative && widen(property, alternative);
      if (widened) properties[key] = widened;
    }
  });
  return doc;
}

function widen(property: PropertySchema, form: string): SchemaObject | undefined {
  const outer: SchemaObject = {};
  const inner: PropertySchema = { ...property };
  for (const key of OUTER_KEYS) {
    if (property[key] === undefined) continue;
    (outer as Record<string, unknown>)[key] = property[key];
    delete inner[key];
  }
  const structured: PropertySchema = inner.allOf?.length === 1 && Object.keys(inner).length === 1 ? inner.allOf[0] : inner;
  const isNumber = inner.type === 'integer' || inner.type === 'number';
  let text: SchemaObject | undefined;
  if (form === 'numeric-text' && isNumber) {
    // The allowed values as a pattern, not a string enum: generators that name enum members (orval) would give `1` and `"1"` one name.
    text = { type: 'string', pattern: inner.enum ? `^\\s*(${inner.enum.join('|')})\\s*$` : INTEGER_TEXT };
  } else if (form === 'decimal-text' && isNumber) {
    text = { type: 'string', pattern: DECIMAL_TEXT };
  } else if (form === 'number' && inner.type === 'string' && !inner.enum) {
    return { ...outer, oneOf: [inner, { type: 'number' }] };
  } else if (form === 'json-text' && (inner.type === 'array' || structured.$ref)) {
    text = JSON_TEXT;
  } else if (form === 'code-list-text' && inner.type === 'array') {
    text = { type: 'string', description: '逗号分隔或 JSON 数组文本 / comma list or JSON array text' };
  } else if (form === 'id-list-text') {
    const id: SchemaObject = { oneOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: INTEGER_TEXT }] };
    return { ...outer, oneOf: [{ type: 'string', description: '逗号分隔或 JSON 数组文本 / comma list or JSON array text' }, { type: 'array', items: id }] };
  }
  return text && { ...outer, oneOf: [structured, text] };
}
