import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { LoadRequest } from '../../bench/load';
import { BENCH_SERVICE_ENV, mapLimit } from '../../bench/fixtures';
import { removeDataDir, ServiceProcess, startService } from '../support/service-process';
import { GaleraCluster } from './galera-cluster';

/**
 * Three instances of the built service, one per Galera node, and what the scenarios need around them:
 * requests spread over the instances, every answer kept with the instance and time it came from, and reads of
 * the books on each node.
 */

export const log = (line: string) => process.stdout.write(`[galera] ${line}\n`);

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}

export interface Trio {
  cluster: GaleraCluster;
  database: string;
  services: ServiceProcess[];
  /** Stops the services (the cluster is the caller's). */
  stop(): Promise<void>;
}

/** Creates the database through node 1, starts the migrating instance on node 1, then one instance on each other node. */
export async function startTrio(cluster: GaleraCluster, prefix: string): Promise<Trio> {
  const database = `${prefix}_${Date.now().toString(36)}`;
  const admin = await cluster.connect(0);
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  // While a node is lost, the whole cluster waits for Galera's suspect timeout (evs.suspect_timeout, 5 s) before
  // it goes on without it; an acquire timeout above that lets the other instances ride it out instead of
  // answering 503 (GALERA_ACQUIRE_TIMEOUT_MS=2000, the service's default, shows the difference).
  const acquireTimeoutMs = String(envInt('GALERA_ACQUIRE_TIMEOUT_MS', 10_000));
  // the bench's service settings too: this suite is one client sending many requests (no rate limit)
  const env = (first: boolean) => ({ ...BENCH_SERVICE_ENV, DEMO_DATA: first ? 'true' : 'false', JOBS_ENABLED: 'false', LOG_LEVEL: 'warn', DB_ACQUIRE_TIMEOUT_MS: acquireTimeoutMs });
  const services: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(services.map((s) => s.stop()));
    for (const s of services) removeDataDir(s.dataDir);
  };
  try {
    services.push(await startService({ databaseUrl: cluster.url(0, database), env: env(true), readyTimeoutMs: 120_000 }));
    services.push(...(await Promise.all([1, 2].map((i) => startService({ databaseUrl: cluster.url(i, database), env: env(false), readyTimeoutMs: 120_000 })))));
  } catch (error) {
    await stop();
    throw error;
  }
  log(`instances ${services.map((s, i) => `${i + 1}: :${s.port} → node${i + 1}`).join(', ')}`);
  return { cluster, database, services, stop };
}

export interface Answer {
  instance: number;
  kind: string;
  /** The request's key: its nonce or outside_sn, what its answers are grouped by. */
  key: string;
  /** HTTP status, 0 when no answer came (refused, reset, timed out). */
  status: number;
  body: any;
  sentAt: number;
  answeredAt: number;
}

const REQUEST_TIMEOUT_MS = 60_000;

export async function post(instance: number, baseUrl: string, kind: string, key: string, path: string, request: LoadRequest): Promise<Answer> {
  const sentAt = Date.now();
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': request.contentType },
      body: request.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { instance, kind, key, status: res.status, body, sentAt, answeredAt: Date.now() };
  } catch {
    return { instance, kind, key, status: 0, body: null, sentAt, answeredAt: Date.now() };
  }
}

export const ADMIN_TOKEN = 'admin-dev-token';

export async function admin<T = any>(baseUrl: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}/admin/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { code: number; result: T };
  if (res.status !== 200 || json.code !== 1) throw new Error(`admin POST ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json.result;
}

/** The business code of an answer in either envelope: 1 for success. */
export function codeOf(answer: Answer): number | undefined {
  const body = answer.body as { code?: number; result?: unknown; data?: { code?: number } } | null;
  if (!body || typeof body !== 'object') return undefined;
  if (typeof body.result === 'number') return body.result === 1 ? 1 : body.data?.code;
  return body.code;
}

export const orderNoOf = (a: Answer): string | undefined => a.body?.result?.order_info?.order_no;
export const tradeSnOf = (a: Answer): string | undefined => a.body?.data?.trade_sn;

/** Counts answers by `instance → status`. */
export function statusTable(answers: Answer[]): Record<string, Record<string, number>> {
  const table: Record<string, Record<string, number>> = {};
  for (const a of answers) {
    const row = (table[`instance${a.instance + 1}`] ??= {});
    row[a.status] = (row[a.status] ?? 0) + 1;
  }
  return table;
}

export async function rows(db: Connection, sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const [result] = await db.query<RowDataPacket[]>(sql, params);
  return result;
}

export async function one(db: Connection, sql: string, params: unknown[] = []): Promise<Record<string, number>> {
  const [row] = await rows(db, sql, params);
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v ?? 0)]));
}

/**
 * A connection to one node for reading the books after a run: `wsrep_sync_wait` makes each read wait until the
 * node has applied everything the cluster committed before it, so a node that is a little behind is not blamed.
 */
export async function booksReader(cluster: GaleraCluster, index: number, database: string): Promise<Connection> {
  const db = await cluster.connect(index, database);
  await db.query('SET SESSION wsrep_sync_wait = 1');
  return db;
}

export interface Check {
  node: string;
  name: string;
  ok: boolean;
  detail: string;
}

/** Wallets whose balance is not the sum of their ledger, and wallets below zero, with a few examples. */
export async function walletChecks(db: Connection, node: string): Promise<Check[]> {
  const wrong = await rows(
    db,
    `SELECT w.id, w.owner_id, w.balance, COALESCE(l.total, 0) AS ledger, COALESCE(l.n, 0) AS entries
       FROM wallets w LEFT JOIN (SELECT wallet_id, SUM(delta) AS total, COUNT(*) AS n FROM wallet_ledger GROUP BY wallet_id) l ON l.wallet_id = w.id
      WHERE w.balance <> COALESCE(l.total, 0) OR w.balance < 0`,
  );
  const total = await one(db, 'SELECT COUNT(*) AS n FROM wallets');
  const examples = wrong.slice(0, 5).map((r) => `wallet ${r.id} (owner ${r.owner_id}): balance ${r.balance}, ledger ${r.ledger} over ${r.entries} rows`);
  return [
    { node, name: 'every wallet balance = its ledger sum, none negative', ok: wrong.length === 0, detail: `${wrong.length} of ${total.n} wallets wrong${examples.length ? `: ${examples.join('; ')}` : ''}` },
  ];
}

/** Checksums of the tables that hold money and orders: every node must hold the same rows. */
export async function tableChecksums(db: Connection, tables: string[]): Promise<Record<string, string>> {
  const result = await rows(db, `CHECKSUM TABLE ${tables.map((t) => `\`${t}\``).join(', ')}`);
  return Object.fromEntries(result.map((r) => [String(r.Table).split('.').pop(), String(r.Checksum)]));
}

/** `items` in chunks, so an `IN (?)` list stays a reasonable size. */
export async function inChunks<T, R>(items: T[], size: number, task: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return (await mapLimit(chunks, 1, task)).flat();
}

export function formatChecks(checks: Check[]): string {
  return checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.node} ${c.name}: ${c.detail}`).join('\n');
}

/** The failed checks, as the message of an assertion that lists them. */
export function failed(checks: Check[]): string[] {
  return checks.filter((c) => !c.ok).map((c) => `${c.node} ${c.name}: ${c.detail}`);
}
