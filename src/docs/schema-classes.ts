import type { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';

type Class = Type<unknown>;

/** @nestjs/swagger's metadata keys (its `DECORATORS`, which the package does not export). */
const DECORATORS = {
  API_MODEL_PROPERTIES_ARRAY: 'swagger/apiModelPropertiesArray',
  API_MODEL_PROPERTIES: 'swagger/apiModelProperties',
  API_EXTRA_MODELS: 'swagger/apiExtraModels',
  API_RESPONSE: 'swagger/apiResponse',
  API_PARAMETERS: 'swagger/apiParameters',
};

const BUILT_INS = new Set<unknown>([String, Number, Boolean, Object, Array, Date, Buffer, Promise]);

/**
 * Swagger names a schema after its class and keeps one class per name: a second `AddressDto` silently takes the
 * first one's place wherever either is used. These are the classes that reach the document (bodies, parameters,
 * responses, extra models, and every class their properties name), so that a test can refuse two with one name.
 */
export function schemaClassesOf(controllers: Class[]): Map<string, Set<Class>> {
  const byName = new Map<string, Set<Class>>();
  const seen = new Set<Class>();
  const visit = (candidate: unknown): void => {
    const cls = classOf(candidate);
    if (!cls || seen.has(cls)) return;
    seen.add(cls);
    const properties: string[] = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, cls.prototype) ?? [];
    const extra: unknown[] = Reflect.getMetadata(DECORATORS.API_EXTRA_MODELS, cls) ?? [];
    if (properties.length === 0 && extra.length === 0) return;
    if (properties.length > 0) byName.set(cls.name, new Set([...(byName.get(cls.name) ?? []), cls]));
    extra.forEach(visit);
    for (const key of properties) {
      const options = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, cls.prototype, key.replace(/^:/, '')) ?? {};
      visit(options.type);
      visit(options.items?.type);
    }
  };
  for (const controller of controllers) {
    (Reflect.getMetadata(DECORATORS.API_EXTRA_MODELS, controller) ?? []).forEach(visit);
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      if (name === 'constructor') continue;
      const method = controller.prototype[name];
      if (typeof method !== 'function') continue;
      (Reflect.getMetadata('design:paramtypes', controller.prototype, name) ?? []).forEach(visit);
      (Reflect.getMetadata(DECORATORS.API_EXTRA_MODELS, method) ?? []).forEach(visit);
      for (const response of Object.values<{ type?: unknown }>(Reflect.getMetadata(DECORATORS.API_RESPONSE, method) ?? {})) visit(response.type);
      for (const parameter of Reflect.getMetadata(DECORATORS.API_PARAMETERS, method) ?? []) visit(parameter.type);
    }
  }
  return byName;
}

/** Names that two different classes reaching the document share, each with the classes' count. */
export function duplicateSchemaNames(controllers: Class[]): string[] {
  return [...schemaClassesOf(controllers).entries()].filter(([, classes]) => classes.size > 1).map(([name, classes]) => `${name} (${classes.size} classes)`);
}

/** The controllers an application serves. */
export function controllersOf(app: INestApplication): Class[] {
  return [...app.get(ModulesContainer).values()].flatMap((module) => [...module.controllers.values()].map((wrapper) => wrapper.metatype as Class));
}

/** `X`, `[X]` or a lazy `() => X` to the class `X`; anything else (a type name, a built-in) to nothing. */
function classOf(value: unknown): Class | undefined {
  if (Array.isArray(value)) return classOf(value[0]);
  if (typeof value !== 'function' || BUILT_INS.has(value)) return undefined;
  // An arrow function has no prototype: a lazy reference to the class.
  if (value.prototype === undefined) return classOf((value as () => unknown)());
  return value as Class;
}
