import { plainToInstance, Transform } from 'class-transformer';
import { parseJsonish } from '../../common/validation/transforms';
import { AcceptsOnWire, both } from '../../common/validation/wire-forms';

type Class<T> = new () => T;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Form bodies turn `goods[0][goods_id]=164` into an array, but past qs's array limit into an object
 * keyed `"0"`, `"1"`, ...: both are the same list.
 */
function asList(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 0 || !keys.every((k) => /^\d+$/.test(k))) return value;
  return keys.sort((a, b) => Number(a) - Number(b)).map((k) => value[k]);
}

/**
 * A list of nested DTOs that may arrive as an array, a form list, a JSON string or URL-encoded JSON
 * (`orders`, `order_goods`, `goods`). Items become `cls` instances so their own transforms and
 * validators run; anything else is left for the validator to refuse.
 */
export const JsonListOf = <T>(cls: Class<T>) =>
  both(AcceptsOnWire('json-text'), Transform(({ obj, key }) => {
    const raw = (obj as Record<string, unknown>)[key];
    if (raw === '') return [];
    const value = asList(parseJsonish(raw));
    return Array.isArray(value) ? value.map((item) => (isPlainObject(item) ? plainToInstance(cls, item) : item)) : value;
  }));

/** A nested DTO sent as an object, a JSON string or URL-encoded JSON (`address`). */
export const JsonObjectOf = <T>(cls: Class<T>) =>
  both(AcceptsOnWire('json-text'), Transform(({ obj, key }) => {
    const value = parseJsonish((obj as Record<string, unknown>)[key]);
    return isPlainObject(value) ? plainToInstance(cls, value) : value;
  }));

/** `"3,5"`, `""`, `[3, "5"]` or a JSON array string: a list of integer ids (`member_coupon_ids`). */
export const ToIdList = () =>
  both(AcceptsOnWire('id-list-text'), Transform(({ value }) => {
    const list = asList(typeof value === 'string' && value.trim().startsWith('[') ? parseJsonish(value) : value);
    const items = typeof list === 'string' ? list.split(',').map((s) => s.trim()).filter((s) => s !== '') : list;
    if (!Array.isArray(items)) return items;
    return items.map((item) => (typeof item === 'string' && /^\d{1,10}$/.test(item.trim()) ? Number(item.trim()) : item));
  }));

/** Codes as an array, a JSON array string, a comma list or `""` (`deduction_ids`, `service_fee`). */
export const ToCodeList = () =>
  both(AcceptsOnWire('code-list-text'), Transform(({ value }) => {
    const list = asList(typeof value === 'string' && value.trim().startsWith('[') ? parseJsonish(value) : value);
    if (typeof list === 'string') return list.split(',').map((s) => s.trim()).filter((s) => s !== '');
    return list;
  }));
