import { Transform } from 'class-transformer';
import { AcceptsOnWire, both } from './wire-forms';

/** The largest value of an INT column: ids and counts above it would fail in the database, not in validation. */
export const INT32_MAX = 2147483647;

/** Numeric fields accept numbers or numeric strings (SPEC §1); anything else is left for the validator to refuse. */
export const ToInt = () =>
  both(
    Transform(({ value }) => (typeof value === 'string' && NUMERIC_TEXT.test(value.trim()) ? Number(value.trim()) : value)),
    AcceptsOnWire('numeric-text'),
  );

/** The numeric strings `ToInt` takes (surrounding blanks aside). */
export const NUMERIC_TEXT = /^-?\d{1,15}$/;

/** Strings accept numbers too (`user_id: 123`), as form clients often send them. */
export const ToStr = () =>
  both(Transform(({ value }) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value)), AcceptsOnWire('number'));

/** Parses a JSON (optionally URL-encoded) string into a value; leaves non-strings and unparsable text alone. */
export function parseJsonish(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text === '') return value;
  for (const candidate of [text, safeDecode(text)]) {
    if (candidate === undefined) continue;
    try {
      return JSON.parse(candidate);
    } catch {
      /* try the next encoding */
    }
  }
  return value;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
