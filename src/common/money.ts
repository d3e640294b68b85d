import { registerDecorator, ValidationOptions } from 'class-validator';

/** Money is integer fen inside the service and yuan (≤ 2 decimals) on the wire. No float arithmetic. */
export type Fen = number;

/** SPEC §1: one amount field of a request is at most this many yuan. */
export const MAX_AMOUNT_YUAN = 10_000_000;

/** The largest sum the service stores (SPEC §1): 99,999,999.99 yuan, for balances, trade totals and points. */
export const MAX_SUM_FEN: Fen = 9_999_999_999;

const YUAN_PATTERN = /^(-)?(\d{1,12})(?:\.(\d{1,2}))?$/;

/** Parses a yuan amount (number or numeric string with at most 2 decimals) into fen; null when invalid. */
export function yuanToFen(value: unknown): Fen | null {
  if (typeof value !== 'number' && typeof value !== 'string') return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  const match = YUAN_PATTERN.exec(String(value).trim());
  if (!match) return null;
  const [, sign, whole, frac = ''] = match;
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return sign ? -fen : fen;
}

/** Fen to a yuan JSON number: 30000 → 300, 9990 → 99.9. Division by 100 of an integer prints exactly. */
export function fenToYuan(fen: Fen): number {
  return fen / 100;
}

/** Fen as yuan text with exactly two decimals, built from integer parts (30000 → "300.00"): pay pages, Alipay. */
export function formatYuan(fen: Fen): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`amount must be integer fen, got ${fen}`);
  const abs = Math.abs(fen);
  const cents = abs % 100;
  return `${fen < 0 ? '-' : ''}${(abs - cents) / 100}.${String(cents).padStart(2, '0')}`;
}

/** Validates a yuan amount with at most two decimals, optionally bounded. */
export function IsMoney(options: { min?: number; max?: number } = {}, validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isMoney',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate(value: unknown) {
          const fen = yuanToFen(value);
          if (fen === null) return false;
          if (options.min !== undefined && fen < options.min * 100) return false;
          return options.max === undefined || fen <= options.max * 100;
        },
        defaultMessage: () => `${propertyName} must be an amount with at most 2 decimals`,
      },
    });
}
