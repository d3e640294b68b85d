import { Column, ColumnOptions, ValueTransformer } from 'typeorm';

/** UTC, millisecond precision on both engines (MySQL `DATETIME(3)`, SQLite ISO text). */
export const DateTimeColumn = (options: ColumnOptions = {}) => Column({ type: 'datetime', precision: 3, ...options });

/**
 * 64-bit integers read as JS numbers. Every value the service stores stays far below 2^53 (SPEC §1 caps sums at
 * 9,999,999,999 fen), so a number is exact; mysql2 is told to return BIGINT as numbers (`bigNumberStrings: false`),
 * and this transformer covers any path that still hands over a string.
 */
const bigintAsNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};

export const BigIntColumn = (options: ColumnOptions = {}) => Column({ type: 'bigint', transformer: bigintAsNumber, ...options });

/** Money in integer fen, 64-bit (SPEC §1). */
export const FenColumn = (options: ColumnOptions = {}) => BigIntColumn({ default: 0, ...options });

/** Goods and option titles; an order line's title is both, joined by a space, and fits its own column on every engine. */
export const TITLE_LENGTH = 128;
export const LINE_TITLE_LENGTH = 2 * TITLE_LENGTH + 1;
