import { EntityManager, EntityMetadata, EntityTarget, ObjectLiteral, QueryRunner } from 'typeorm';
import { QueryResult } from 'typeorm/query-runner/QueryResult';
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

/** One statement with its `?` parameters, to be sent later or with others (`executeAll`, `TransactionService.run`). */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Runs writes in order and returns how many rows each changed (matched, on MySQL). On MySQL they travel as one
 * multi-statement query, one round trip; the server stops at the first that fails, as it would one by one, and
 * the caller's transaction then rolls back. SQLite runs them one by one.
 */
async function executeAll(em: EntityManager, statements: Statement[]): Promise<number[]> {
  if (statements.length <= 1 || isSqlite(em)) {
    const changed: number[] = [];
    for (const s of statements) changed.push(await execute(em, s.sql, s.params));
    return changed;
  }
  const sql = statements.map((s) => s.sql).join(';\n');
  const params = prepare(em, statements.flatMap((s) => s.params));
  const result = await withRunner(em, (runner) => runner.query(sql, params, true));
  return (result.raw as { affectedRows?: number }[]).map((r) => r.affectedRows ?? 0);
}

/**
 * Writes collected while a use case decides them, then sent together (`executeAll`: one round trip on MySQL), each
 * with the check its changed-row count must pass. A check that fails throws after the batch ran; the caller's
 * transaction rolls back whole, so the writes after a failed condition never commit.
 */
export class WriteBatch {
  private readonly statements: Statement[] = [];
  private readonly checks: (Check | undefined)[] = [];

  add(sql: string, params: unknown[], check?: Check): this {
    this.statements.push({ sql, params });
    this.checks.push(check);
    return this;
  }

  /** Rows with every column the entity maps (auto-increment ids excepted), converted as TypeORM would. */
  insert<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, ...rows: T[]): this {
    const { sql, params } = insertStatement(em, entity, rows);
    return this.add(sql, params);
  }

  async run(em: EntityManager): Promise<void> {
    const changed = await executeAll(em, this.statements);
    try {
      for (const [i, check] of this.checks.entries()) await check?.(changed[i]);
    } catch (error) {
      if (em.queryRunner) failedChecks.add(em.queryRunner);
      throw error;
    }
  }

  /** A batch without checks goes out with the transaction's next statement or its COMMIT (`deferWrites`). */
  defer(em: EntityManager): Promise<void> {
    if (this.checks.some((check) => check !== undefined)) throw new Error('WriteBatch.defer: a batch with checks must run');
    return deferWrites(em, this.statements);
  }
}

/**
 * Transactions in which a batch's check failed. The batch's later writes ran all the same (a debit's ledger row, say),
 * so such a transaction must never commit, even when the caller caught the check's error: see `assertNoFailedCheck`.
 */
const failedChecks = new WeakSet<QueryRunner>();

/**
 * TransactionService calls this as a transaction's work ends, before COMMIT: it throws when a write batch's check
 * failed in the transaction. It also forgets the failure, since SQLite's one query runner serves every transaction.
 */
export function assertNoFailedCheck(em: EntityManager): void {
  if (em.queryRunner && failedChecks.delete(em.queryRunner)) throw new Error('a write check failed in this transaction, so it is rolled back');
}

/** Forgets what an earlier transaction on the same query runner left (called as a transaction starts). */
export function forgetFailedChecks(em: EntityManager): void {
  if (em.queryRunner) failedChecks.delete(em.queryRunner);
}

/** What a write's changed-row count must satisfy; it throws the domain error otherwise. */
export type Check = (changed: number) => void | Promise<void>;

/** Throws `error()` unless exactly one row changed: the check of a conditional update of one row. */
export const exactlyOne = (error: () => Error) => (changed: number) => {
  if (changed !== 1) throw error();
};

/** `QueryRunner.query` without its overloads. */
type RunnerQuery = (sql: string, parameters?: unknown[], structured?: boolean) => Promise<QueryResult>;

const heldByRunner = new WeakMap<QueryRunner, HeldStatements>();

/**
 * Statements a MySQL runner holds back and sends in front of its next query, in one multi-statement query: a
 * transaction's START TRANSACTION goes out with its first statement, and writes whose outcome nothing waits for
 * (`deferWrites`) with the next statement or with COMMIT (`flush`). The server runs them in order and stops at the
 * first error, which is then the error of the query they went out with; the caller's transaction rolls back whole.
 */
export class HeldStatements {
  private held: Statement[];
  private sentAny = false;
  private readonly send: RunnerQuery;

  constructor(runner: QueryRunner, initial: Statement[]) {
    this.held = [...initial];
    this.send = runner.query.bind(runner) as RunnerQuery;
    runner.query = ((sql: string, parameters?: unknown[], structured?: boolean) => this.query(sql, parameters, structured)) as QueryRunner['query'];
    heldByRunner.set(runner, this);
  }

  /** Whether anything reached the server (and so whether there is a transaction to roll back). */
  get sent(): boolean {
    return this.sentAny;
  }

  get pending(): number {
    return this.held.length;
  }

  hold(statements: Statement[]): void {
    this.held.push(...statements);
  }

  /** Sends what is held, then `tail` (e.g. COMMIT), as one query. */
  async flush(tail: Statement[]): Promise<void> {
    const all = [...this.held, ...tail];
    this.held = [];
    this.sentAny = true;
    await this.send(all.map((s) => s.sql).join(';\n'), all.flatMap((s) => s.params));
  }

  /** Sends `sql` alone, dropping what is held (ROLLBACK). */
  async sendAlone(sql: string): Promise<void> {
    this.held = [];
    await this.send(sql);
  }

  private async query(sql: string, parameters?: unknown[], structured?: boolean): Promise<unknown> {
    this.sentAny = true;
    if (this.held.length === 0) return this.send(sql, parameters, structured);
    const held = this.held;
    this.held = [];
    const result: QueryResult = await this.send(`${held.map((s) => s.sql).join(';\n')};\n${sql}`, [...held.flatMap((s) => s.params), ...(parameters ?? [])], true);
    return resultsAfter(result, held.length, structured);
  }
}

/** What a query sent behind `skipped` held statements would have returned alone, shaped as TypeORM shapes it. */
function resultsAfter(result: QueryResult, skipped: number, structured?: boolean): unknown {
  const results = (result.raw as unknown[]).slice(skipped);
  const raw = (results.length === 1 ? results[0] : results) as { affectedRows?: number } | unknown[];
  if (!structured) return raw;
  const shaped = new QueryResult();
  shaped.raw = raw;
  if (Array.isArray(raw)) shaped.records = raw;
  if (raw && typeof raw === 'object' && 'affectedRows' in raw) shaped.affected = raw.affectedRows;
  return shaped;
}

/**
 * Writes whose changed-row counts nothing checks, sent with the transaction's next statement or its COMMIT
 * instead of a round trip of their own (MySQL). Outside a held transaction, and on SQLite, they run at once.
 */
async function deferWrites(em: EntityManager, statements: Statement[]): Promise<void> {
  const held = em.queryRunner && heldByRunner.get(em.queryRunner);
  if (!held) {
    await executeAll(em, statements);
    return;
  }
  held.hold(statements.map((s) => ({ sql: s.sql, params: prepare(em, s.params) })));
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
 * Inserts one row with every column the entity maps (auto-increment ids excepted), converted as TypeORM would.
 * Nothing is read back: callers that insert with this set every value themselves.
 */
export async function insertRow<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, row: T): Promise<void> {
  const { sql, params } = insertStatement(em, entity, [row]);
  await withRunner(em, (runner) => runner.query(sql, params, true));
}

/** One INSERT of all `rows` (at least one). */
function insertStatement<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, rows: T[]): Statement {
  const { sql } = preparedOf(em, entity);
  return { sql: sql.insertHead + rows.map(() => sql.rowPlaceholders).join(', '), params: rows.flatMap((row) => valuesOf(em, sql.insertColumns, row)) };
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
