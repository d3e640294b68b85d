/** Building blocks shared by both signature schemes (SPEC §3). */
export type Params = Record<string, unknown>;

/** Sorts by code point and joins as `k1=v1&k2=v2`. */
export function joinSorted(entries: Array<[string, string]>): string {
  return entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Scalars as received; arrays and objects through `json`. */
export function valueText(value: unknown, json: (v: unknown) => string = JSON.stringify): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return json(value);
}

/**
 * PHP `json_encode` default escaping: `/` as `\/`, every non-ASCII UTF-16 unit as lowercase `\uXXXX` (DEL, U+007F, is
 * ASCII and stays as it is).
 */
export function phpJsonEncode(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
