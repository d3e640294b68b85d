import { EntityManager, EntityMetadata, EntityTarget, ObjectLiteral, QueryResult } from 'typeorm';

/**
 * Raw SQL for the hot statements listed, each with its reason, in docs/performance.md ("Raw SQL"); everything else
 * uses TypeORM's API. Run in the caller's EntityManager (its transaction); `?` and backticks work on SQLite too.
 */

/** Bare parameters are converted by the driver like columns of their type: a DATETIME is UTC text on SQLite. */
const [DATETIME, BOOLEAN] = [{ type: 'datetime' }, { type: Boolean }] as EntityMetadata['columns'];

/** Runs a statement on the transaction's runner, or on a fresh one (released afterwards) outside a transaction. */
async function run(em: EntityManager, sql: string, params: unknown[]): Promise<QueryResult> {
  const driver = em.connection.driver;
  const values = params.map((p) => (p instanceof Date ? driver.preparePersistentValue(p, DATETIME) : typeof p === 'boolean' ? driver.preparePersistentValue(p, BOOLEAN) : p));
  if (em.queryRunner && !em.queryRunner.isReleased) return em.queryRunner.query(sql, values, true);
  const runner = em.connection.createQueryRunner();
  return runner.query(sql, values, true).finally(() => runner.release());
}

/** Runs a write and returns how many rows it changed (matched, on MySQL). */
export async function execute(em: EntityManager, sql: string, params: unknown[]): Promise<number> {
  return (await run(em, sql, params)).affected ?? 0;
}

/** Runs a conditional write of one row (`balance >= ?`, `stock >= ?`) and throws `error()` unless it changed one. */
export async function executeOne(em: EntityManager, sql: string, params: unknown[], error: () => Error): Promise<void> {
  if ((await execute(em, sql, params)) !== 1) throw error();
}

/** Runs a read and returns its rows as the driver gives them (numbers for integers on both drivers). */
export async function select<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  return (await run(em, sql, params)).records as T[];
}

export const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** Statement text for an entity, built once (per DataSource: each driver quotes names its own way). */
const texts = new WeakMap<EntityMetadata, Record<string, string>>();
const textOf = (metadata: EntityMetadata, key: string, build: () => string) => ((texts.get(metadata) ?? texts.set(metadata, {}).get(metadata)!)[key] ??= build());

/**
 * Inserts rows in one statement, every column but an auto-increment id, converted as TypeORM persists them. Unlike
 * TypeORM's insert it reads nothing back: alike on the `mysql` and `mariadb` dialects, no extra SELECT on SQLite.
 */
export function insertRows<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, ...rows: T[]): Promise<QueryResult> {
  const metadata = em.connection.getMetadata(entity);
  const driver = em.connection.driver;
  const columns = metadata.columns.filter((c) => !(c.isGenerated && c.generationStrategy === 'increment'));
  const head = textOf(metadata, 'insert', () => `INSERT INTO ${driver.escape(metadata.tableName)} (${columns.map((c) => driver.escape(c.databaseName)).join(', ')}) VALUES `);
  const row = `(${placeholders(columns.length)})`;
  return run(em, head + rows.map(() => row).join(', '), rows.flatMap((r) => columns.map((c) => driver.preparePersistentValue(c.getEntityValue(r), c))));
}

/** Inserts one row and returns its new id: mysql2's `insertId`, or better-sqlite3's `lastInsertRowid` (TypeORM's `raw`). */
export async function insertReturningId<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, row: T): Promise<number> {
  const raw = (await insertRows(em, entity, row)).raw as { insertId?: number } | number;
  const id = Number(typeof raw === 'object' ? raw.insertId : raw);
  if (!(id > 0)) throw new Error('insertReturningId: the insert returned no id');
  return id;
}

/**
 * `em.update` for equality conditions, without its query builder: returns how many rows changed (matched, on MySQL).
 * Conditions must be plain values and not empty, so none can widen the update; undefined changes are left alone.
 */
export async function updateWhere<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, where: Partial<T>, changes: Partial<T>): Promise<number> {
  const metadata = em.connection.getMetadata(entity);
  const driver = em.connection.driver;
  const terms = [...Object.entries(changes).filter(([, value]) => value !== undefined), ...Object.entries(where)];
  const setCount = terms.length - Object.keys(where).length;
  const columns = terms.map(([property]) => metadata.findColumnWithPropertyPath(property));
  const wide = Object.entries(where).find(([, value]) => value === undefined || value === null || (typeof value === 'object' && !(value instanceof Date)));
  if (setCount === 0 || setCount === terms.length || wide || columns.includes(undefined)) throw new Error(`updateWhere ${metadata.name}: needs a condition and a change, on columns; a condition must be a plain value`);
  const sql = (columns as EntityMetadata['columns']).map((c) => `${driver.escape(c.databaseName)} = ?`);
  const values = terms.map(([, value], i) => driver.preparePersistentValue(value, columns[i]!));
  return execute(em, `UPDATE ${driver.escape(metadata.tableName)} SET ${sql.slice(0, setCount).join(', ')} WHERE ${sql.slice(setCount).join(' AND ')}`, values);
}

/** `a.col AS a_col, ...` for every column of the entity: to select it, alone or beside another in a join. */
export function columnsAs(em: EntityManager, entity: EntityTarget<ObjectLiteral>, alias: string): string {
  const metadata = em.connection.getMetadata(entity);
  const escape = (name: string) => em.connection.driver.escape(name);
  return textOf(metadata, `as ${alias}`, () => metadata.columns.map((c) => `${alias}.${escape(c.databaseName)} AS ${escape(`${alias}_${c.databaseName}`)}`).join(', '));
}

/** The entity selected with `columnsAs(em, entity, alias)`, hydrated as TypeORM would, or undefined when its id is NULL. */
export function hydrateAs<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, alias: string, raw: Record<string, unknown>): T | undefined {
  const metadata = em.connection.getMetadata(entity);
  if (metadata.primaryColumns.some((c) => raw[`${alias}_${c.databaseName}`] == null)) return undefined;
  const item = metadata.create() as T;
  for (const c of metadata.columns) c.setEntityValue(item, em.connection.driver.prepareHydratedValue(raw[`${alias}_${c.databaseName}`], c));
  return item;
}

/** Rows of an entity, hydrated as TypeORM would, selected by a plain `WHERE ...` clause (`?` placeholders). */
export async function selectEntities<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, where: string, params: unknown[]): Promise<T[]> {
  const table = em.connection.driver.escape(em.connection.getMetadata(entity).tableName);
  return (await select<Record<string, unknown>>(em, `SELECT ${columnsAs(em, entity, 't')} FROM ${table} t ${where}`, params)).map((raw) => hydrateAs(em, entity, 't', raw)!);
}
