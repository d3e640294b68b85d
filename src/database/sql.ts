import { EntityManager, EntityMetadata, EntityTarget, ObjectLiteral, QueryRunner } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';

/**
 * Plain SQL for the statements every payment runs. Building a statement with TypeORM's query builders costs
 * about 0.3 ms of CPU, more than sending it and reading the answer (README, "Performance"), and at a few
 * hundred payments a second that CPU is the service's ceiling. These helpers send SQL written once, through
 * the same EntityManager and so in the same transaction. Portable: `?` placeholders, and names that need
 * quoting (`key`) in backticks, which SQLite accepts too.
 */

const isSqlite = (em: EntityManager) => em.connection.options.type === 'better-sqlite3';

/** Driver-neutral parameters: SQLite stores DATETIME as UTC text and booleans as 0/1; mysql2 (timezone 'Z') takes Dates. */
function prepare(em: EntityManager, params: unknown[]): unknown[] {
  const sqlite = isSqlite(em);
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p instanceof Date && sqlite ? DateUtils.mixedDateToUtcDatetimeString(p) : p));
}

/** The transaction's runner, or a fresh one (released afterwards) for a statement outside a transaction. */
async function withRunner<T>(em: EntityManager, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  if (em.queryRunner && !em.queryRunner.isReleased) return work(em.queryRunner);
  const runner = em.connection.createQueryRunner();
  try {
    return await work(runner);
  } finally {
    await runner.release();
  }
}

/** Runs a write and returns how many rows it changed (matched, on MySQL), on both drivers. */
export function execute(em: EntityManager, sql: string, params: unknown[]): Promise<number> {
  return withRunner(em, async (runner) => (await runner.query(sql, prepare(em, params), true)).affected ?? 0);
}

/**
 * Runs a conditional write and throws `error()` unless exactly one row changed: the check of a conditional update
 * of one row (`balance >= ?`, `stock >= ?`, `status = ?`), evaluated as the write runs.
 */
export async function executeOne(em: EntityManager, sql: string, params: unknown[], error: () => Error): Promise<void> {
  if ((await execute(em, sql, params)) !== 1) throw error();
}

/** Runs a read and returns its rows as the driver gives them (numbers for integers on both drivers). */
export function select<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  return withRunner(em, async (runner) => (await runner.query(sql, prepare(em, params), true)).records as T[]);
}

type Columns = EntityMetadata['columns'];

interface PreparedSql {
  /** Every mapped column but an auto-increment id, in INSERT order. */
  insertColumns: Columns;
  insertHead: string;
  rowPlaceholders: string;
  selectHead: string;
}

const preparedSql = new WeakMap<EntityMetadata, PreparedSql>();

/** The entity's INSERT and SELECT heads, built once from its metadata. */
function preparedOf(em: EntityManager, entity: EntityTarget<ObjectLiteral>): { metadata: EntityMetadata; sql: PreparedSql } {
  const metadata = em.connection.getMetadata(entity);
  let sql = preparedSql.get(metadata);
  if (!sql) {
    const driver = em.connection.driver;
    const insertColumns = metadata.columns.filter((c) => !(c.isGenerated && c.generationStrategy === 'increment'));
    sql = {
      insertColumns,
      insertHead: `INSERT INTO ${driver.escape(metadata.tableName)} (${insertColumns.map((c) => driver.escape(c.databaseName)).join(', ')}) VALUES `,
      rowPlaceholders: `(${insertColumns.map(() => '?').join(', ')})`,
      selectHead: `SELECT ${metadata.columns.map((c) => driver.escape(c.databaseName)).join(', ')} FROM ${driver.escape(metadata.tableName)} `,
    };
    preparedSql.set(metadata, sql);
  }
  return { metadata, sql };
}

/** Values converted as TypeORM would persist them. */
function valuesOf(em: EntityManager, columns: Columns, row: ObjectLiteral): unknown[] {
  const driver = em.connection.driver;
  return columns.map((c) => driver.preparePersistentValue(c.getEntityValue(row), c));
}

/**
 * Inserts rows (at least one) in one statement, with every column the entity maps (auto-increment ids excepted),
 * converted as TypeORM would. Nothing is read back, so it behaves the same on the `mysql` and `mariadb` dialects
 * (TypeORM's own insert re-reads generated columns by RETURNING on one and by `insertId` on the other).
 */
export async function insertRows<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, ...rows: T[]): Promise<void> {
  const { sql } = preparedOf(em, entity);
  const params = rows.flatMap((row) => valuesOf(em, sql.insertColumns, row));
  await withRunner(em, (runner) => runner.query(sql.insertHead + rows.map(() => sql.rowPlaceholders).join(', '), params, true));
}

/** Inserts one row (every mapped column but the auto-increment id) and returns the id the database gave it. */
export async function insertReturningId<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, row: T): Promise<number> {
  const { sql } = preparedOf(em, entity);
  const result = await withRunner(em, (runner) => runner.query(sql.insertHead + sql.rowPlaceholders, valuesOf(em, sql.insertColumns, row), true));
  // mysql2: a ResultSetHeader with `insertId`; better-sqlite3: TypeORM puts `lastInsertRowid` itself in `raw`.
  const raw = result.raw as { insertId?: number | bigint } | number | bigint;
  const id = typeof raw === 'object' && raw !== null ? raw.insertId : raw;
  if (id === undefined || id === null || Number(id) <= 0) throw new Error('insertReturningId: the insert returned no id');
  return Number(id);
}

const updateSql = new WeakMap<EntityMetadata, Map<string, { sql: string; columns: Columns }>>();

/**
 * `UPDATE <table> SET <changes> WHERE <where>` by the entity's property names, values converted as TypeORM would
 * persist them; returns how many rows it changed (matched, on MySQL). What `em.update` does for plain equality
 * conditions, without its query builder, which costs more CPU than the statement itself (header above). `where`
 * takes plain values only (no `In`, no `IsNull`) and may not be empty; properties of `changes` that are undefined
 * are left alone, as `em.update` leaves them.
 */
export async function updateWhere<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, where: Partial<T>, changes: Partial<T>): Promise<number> {
  const metadata = em.connection.getMetadata(entity);
  const whereKeys = Object.keys(where);
  const setKeys = Object.keys(changes).filter((k) => changes[k] !== undefined);
  if (whereKeys.length === 0 || setKeys.length === 0) throw new Error(`updateWhere ${metadata.name}: needs a condition and a change`);
  let byShape = updateSql.get(metadata);
  if (!byShape) updateSql.set(metadata, (byShape = new Map()));
  const shape = `${setKeys.join(',')}|${whereKeys.join(',')}`;
  let prepared = byShape.get(shape);
  if (!prepared) {
    const driver = em.connection.driver;
    const column = (property: string) => {
      const found = metadata.findColumnWithPropertyPath(property);
      if (!found) throw new Error(`updateWhere ${metadata.name}: no column for ${property}`);
      return found;
    };
    const columns = [...setKeys, ...whereKeys].map(column);
    const names = columns.map((c) => driver.escape(c.databaseName));
    prepared = {
      sql: `UPDATE ${driver.escape(metadata.tableName)} SET ${names.slice(0, setKeys.length).map((n) => `${n} = ?`).join(', ')} WHERE ${names.slice(setKeys.length).map((n) => `${n} = ?`).join(' AND ')}`,
      columns,
    };
    byShape.set(shape, prepared);
  }
  const values: unknown[] = [...setKeys.map((k) => changes[k]), ...whereKeys.map((k) => where[k])];
  values.forEach((value, i) => {
    if (i >= setKeys.length && (value === undefined || value === null || (typeof value === 'object' && !(value instanceof Date)))) {
      throw new Error(`updateWhere ${metadata.name}: ${whereKeys[i - setKeys.length]} must be a plain value`);
    }
  });
  const driver = em.connection.driver;
  return execute(em, prepared.sql, values.map((value, i) => driver.preparePersistentValue(value, prepared.columns[i])));
}

/** Hydrates one entity from raw columns (`prefix` + column name), as TypeORM would (dates, booleans, JSON). */
function hydrate<T extends ObjectLiteral>(em: EntityManager, metadata: EntityMetadata, raw: Record<string, unknown>, prefix = ''): T {
  const driver = em.connection.driver;
  const item = metadata.create() as T;
  for (const column of metadata.columns) column.setEntityValue(item, driver.prepareHydratedValue(raw[`${prefix}${column.databaseName}`], column));
  return item;
}

/**
 * Rows of an entity as TypeORM would hydrate them, selected by a plain `WHERE ...` clause (`?` placeholders;
 * Dates and booleans are converted for the driver).
 */
export async function selectEntities<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, where: string, params: unknown[]): Promise<T[]> {
  const { metadata, sql } = preparedOf(em, entity);
  const rows = await select<Record<string, unknown>>(em, sql.selectHead + where, params);
  return rows.map((raw) => hydrate<T>(em, metadata, raw));
}

/** `?, ?, ?` for an IN list. */
export const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

const aliased = new WeakMap<EntityMetadata, Map<string, string>>();

/** `a.col AS a_col, ...` for every column of the entity: to select it beside another in a join. */
export function columnsAs(em: EntityManager, entity: EntityTarget<ObjectLiteral>, alias: string): string {
  const metadata = em.connection.getMetadata(entity);
  let byAlias = aliased.get(metadata);
  if (!byAlias) aliased.set(metadata, (byAlias = new Map()));
  let list = byAlias.get(alias);
  if (!list) {
    const driver = em.connection.driver;
    list = metadata.columns.map((c) => `${alias}.${driver.escape(c.databaseName)} AS ${driver.escape(`${alias}_${c.databaseName}`)}`).join(', ');
    byAlias.set(alias, list);
  }
  return list;
}

/** The entity selected with `columnsAs(em, entity, alias)` from a joined row, or undefined when its id is NULL (no match). */
export function hydrateAs<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, alias: string, raw: Record<string, unknown>): T | undefined {
  const metadata = em.connection.getMetadata(entity);
  if (metadata.primaryColumns.some((c) => raw[`${alias}_${c.databaseName}`] === null || raw[`${alias}_${c.databaseName}`] === undefined)) return undefined;
  return hydrate<T>(em, metadata, raw, `${alias}_`);
}
