/**
 * What a request field accepts on the wire besides its declared type (SPEC §1: `"164"` and `164` are the same;
 * `orders` as an array or JSON text). Each transform that accepts another form records it here, and the OpenAPI
 * document reads it (src/docs/validation-schema.ts), so that generated clients may send what the server takes.
 */
export type WireForm =
  /** An integer field that also takes a numeric string. */
  | 'numeric-text'
  /** A string field that also takes a number. */
  | 'number'
  /** A nested object or list that also takes JSON text, optionally URL-encoded. */
  | 'json-text'
  /** A list of codes that also takes a comma list or a JSON array as text. */
  | 'code-list-text'
  /** A list of integer ids that also takes a comma list or a JSON array as text. */
  | 'id-list-text';

const WIRE_FORM = 'ops:wireForm';

export const AcceptsOnWire =
  (form: WireForm): PropertyDecorator =>
  (target, key) =>
    Reflect.defineMetadata(WIRE_FORM, form, target, key);

export function wireFormOf(cls: Function, property: string): WireForm | undefined {
  return Reflect.getMetadata(WIRE_FORM, cls.prototype, property);
}

/** One decorator made of several. */
export const both =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) => {
    for (const decorate of decorators) decorate(target, key);
  };
