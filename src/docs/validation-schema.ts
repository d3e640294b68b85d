import type { OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';

type PropertySchema = { type?: string; minimum?: number; maximum?: number; enum?: unknown[]; $ref?: string };

/**
 * Integer types and bounds in the document, from the DTOs' own validators (`@IsInt`, `@Min`, `@Max`, `@IsIn`), so
 * that the schema says what validation enforces: `"type": "integer", "minimum": 1, "maximum": 100` for
 * `page_size`, rather than a bare `number` that suggests 2.5 or -1 would do.
 */
export function addValidationBounds(doc: OpenAPIObject): OpenAPIObject {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Function, unknown> };
  const classes = new Map<string, Function>();
  for (const target of storage.validationMetadatas.keys()) {
    if (typeof target === 'function' && target.name) classes.set(target.name, target);
  }
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    const target = classes.get(name);
    const properties = (schema as { properties?: Record<string, PropertySchema> }).properties;
    if (!target || !properties) continue;
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
  }
  return doc;
}
