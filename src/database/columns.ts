import { Column, ColumnOptions } from 'typeorm';

/** UTC, millisecond precision on both engines (MySQL `DATETIME(3)`, SQLite ISO text). */
export const DateTimeColumn = (options: ColumnOptions = {}) => Column({ type: 'datetime', precision: 3, ...options });

/** Money in integer fen. */
export const FenColumn = (options: ColumnOptions = {}) => Column({ type: 'int', default: 0, ...options });
