import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { BENCH_PACK, Fixtures, loadFixtures } from '../../bench/fixtures';
import type { LoadRequest } from '../../bench/load';
import { partnerPay } from '../../bench/requests';
import { connectMysql, removeDataDir, ScratchDatabase, scratchDatabase, ServiceProcess, startService } from '../support/service-process';
import { faultServer, requireBuild } from './fault-support';

/**
 * A flood: 2000 keep-alive connections for 20 s against partner pay, on one instance with the
 * default limits (MAX_IN_FLIGHT, the pool guard). The service must shed what it cannot take (503 服务繁忙 with
 * Retry-After, at once, never 500), keep paying at close to the rate 50 connections get, answer /health and a
 * fresh client within a second, keep its log small, and lose or double nothing.
 */

const FLOOD_CONNECTIONS = 2_000;
const FLOOD_SECONDS = 20;
const BASELINE_CONNECTIONS = 50;
const BASELINE_SECONDS = 6;
const LOG_LIMIT_BYTES = 1_000_000;
const PROBE_EVERY_MS = 250;
const PROBE_LIMIT_MS = 1_000;
/**
 * While the 2000 connections open at once, the service accepts them all and then answers each one's first request
 * (most of them a 503) in one long turn of its event loop: a probe sent then waits that turn out, 0.4 s on a quiet
 * 2-core machine, 2 to 3 s on a busy one (docs/resilience.md, "The opening of the flood"). So the opening, counted
 * from when the load generator starts the connections, is held to a looser bound, and every probe after it to
 * PROBE_LIMIT_MS.
 */
const OPENING_MS = 3_000;
const OPENING_LIMIT_MS = 8_000;

/** The load generator (plain JS, run by a worker thread): autocannon over the given pre-signed bodies, in order. */
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannon);
const { url, connections, seconds, contentType } = workerData;
const bodies = workerData.bodies.split('\\n');
const statuses = {};
let paid = 0;
let sent = 0;
// When the connections start to open: loading autocannon and the bodies took 0.8 to 4.5 s in our runs on a busy 2-core machine.
const started = Date.now();
parentPort.postMessage({ started });
const paidBySecond = Array.from({ length: seconds }, () => 0);
autocannon({
  url, connections, duration: seconds, timeout: 10,
  requests: [{
    method: 'POST',
    path: '/app/partner/order/pay',
    setupRequest: (req) => {
      const body = bodies[sent++ % bodies.length];
      return { ...req, body, headers: { ...req.headers, 'content-type': contentType } };
    },
    onResponse: (status, body) => {
      statuses[status] = (statuses[status] || 0) + 1;
      if (status === 200 && JSON.parse(body).code === 1) {
        paid++;
        paidBySecond[Math.min(seconds - 1, Math.floor((Date.now() - started) / 1000))]++;
      }
    },
  }],
}).then((result) => parentPort.postMessage({ statuses, paid, paidBySecond, sent, errors: result.errors, timeouts: result.timeouts }));
`;

interface Phase {
  name: string;
  seconds: number;
  statuses: Record<number, number>;
  /** Answers that were a new paid order (code 1). */
  paid: number;
  /** The same, second by second from when the connections started to open. */
  paidBySecond: number[];
  errors: number;
  timeouts: number;
}

interface Probe {
  kind: 'health' | 'client';
  at: number;
  ms: number;
  /** Until the TCP connection was established. */
  connectMs?: number;
  status: number;
  retryAfter?: string;
  body: string;
}

/**
 * The probes (plain JS, run as a process of their own, as curl or a load balancer would be, so that nothing in this
 * process's event loop delays them): every PROBE_EVERY_MS, on new connections, GET /health and one signed pay; one
 * JSON line per probe on stdout, until stdin closes.
 */
const PROBE_SCRIPT = `
const http = require('node:http');
const [baseUrl, every, limit] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const bodies = require('node:fs').readFileSync(0, 'utf8').split('\\n');
let stopped = false;
process.on('SIGTERM', () => (stopped = true));
function fresh(kind, method, path, body) {
  const started = Date.now();
  return new Promise((resolve) => {
    let connectMs = null;
    const done = (status, headers, text) => resolve({ kind, at: started, ms: Date.now() - started, connectMs, status, retryAfter: headers['retry-after'], body: text });
    const req = http.request(baseUrl + path, { method, agent: false, timeout: limit, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => done(res.statusCode, res.headers, text));
    });
    req.on('socket', (s) => s.once('connect', () => (connectMs = Date.now() - started)));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(0, {}, ''));
    req.end(body);
  });
}
(async () => {
  let n = 0;
  while (!stopped) {
    const results = await Promise.all([fresh('health', 'GET', '/health'), fresh('client', 'POST', '/app/partner/order/pay', bodies[n++ % bodies.length])]);
    for (const r of results) process.stdout.write(JSON.stringify(r) + '\\n');
    await new Promise((r) => setTimeout(r, every));
  }
})();
`;

function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 0);
}

describe('fault: a flood of 2000 connections on partner pay [mysql]', () => {
  const server = faultServer();
  let database: ScratchDatabase;
  let service: ServiceProcess;
  let fixtures: Fixtures;
  let db: Connection;
  let next = 0;
  let floodStartedAt = 0;
  /** Too slow: past the opening's bound while the connections open, past PROBE_LIMIT_MS after that. */
  const inOpening = (p: Probe) => p.at >= floodStartedAt && p.at < floodStartedAt + OPENING_MS;
  const tooSlow = (p: Probe) => p.ms > (inOpening(p) ? OPENING_LIMIT_MS : PROBE_LIMIT_MS);
  let bodies: LoadRequest[] = [];
  let probeBodies: LoadRequest[] = [];
  let bodiesReused = false;
  const phases: Record<string, Phase> = {};
  const health: Probe[] = [];
  const clients: Probe[] = [];

  /**
   * Runs the partner pay load for `seconds` over `connections` keep-alive connections, in a worker thread: the
   * load generator's event loop (2000 sockets) must not delay the probes' own, or their timings would measure it.
   */
  async function load(name: string, connections: number, seconds: number, onStart: (at: number) => void = () => undefined): Promise<Phase> {
    const count = Math.min(bodies.length - next, 60_000);
    const slice = bodies.slice(next, next + count);
    const worker = new Worker(LOAD_WORKER, {
      eval: true,
      // One string (JSON bodies hold no newline): cloned into the worker in one copy, not object by object.
      workerData: { autocannon: require.resolve('autocannon'), url: service.baseUrl, connections, seconds, contentType: slice[0].contentType, bodies: slice.map((b) => b.body).join('\n') },
    });
    const result = await new Promise<Omit<Phase, 'name' | 'seconds'> & { sent: number }>((resolve, reject) => {
      worker.on('message', (message: { started?: number }) => (message.started ? onStart(message.started) : resolve(message as Omit<Phase, 'name' | 'seconds'> & { sent: number })));
      worker.once('error', reject);
    });
    await worker.terminate();
    if (result.sent > count) bodiesReused = true;
    next += result.sent;
    const phase: Phase = { name, seconds, statuses: result.statuses, paid: result.paid, paidBySecond: result.paidBySecond, errors: result.errors, timeouts: result.timeouts };
    phases[name] = phase;
    return phase;
  }

  beforeAll(async () => {
    requireBuild();
    // 2000 client sockets here and 2000 accepted ones in the service: `ulimit -n` must allow them (CI raises it).
    expect(openFilesLimit()).toBeGreaterThanOrEqual(FLOOD_CONNECTIONS + 1_000);
    database = await scratchDatabase(server, 'ops_fault_flood');
    service = await startService({ databaseUrl: database.url, nodeArgs: process.env.FLOOD_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FLOOD_CPU_PROF}`] : [] });
    fixtures = await loadFixtures(service.baseUrl, { buyers: 200, buyerBalanceYuan: 100_000, hotBalanceYuan: 10, goodsPerStore: 1, members: 1 }, () => undefined);
    db = await connectMysql(server, database.name);
    // Signed before the clock starts (fresh nonce each), more than the whole run can send.
    bodies = Array.from({ length: 150_000 }, (_, n) => partnerPay(fixtures.buyers[n % fixtures.buyers.length], 1, `flood-${n}`));
    probeBodies = bodies.splice(-1_000);

    await load('warm-up', BASELINE_CONNECTIONS, 2);
    await load('before', BASELINE_CONNECTIONS, BASELINE_SECONDS);
    const prober = spawn(process.execPath, ['-e', PROBE_SCRIPT, service.baseUrl, String(PROBE_EVERY_MS), String(OPENING_LIMIT_MS + 2_000)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let probeOutput = '';
    prober.stdout!.on('data', (chunk: Buffer) => (probeOutput += chunk.toString()));
    prober.stdin!.end(probeBodies.map((b) => b.body).join('\n'));
    const proberExited = new Promise((resolve) => prober.once('exit', resolve));
    // The opening is counted from when the worker starts the connections, not from when it was created.
    floodStartedAt = Date.now();
    await load('flood', FLOOD_CONNECTIONS, FLOOD_SECONDS, (at) => (floodStartedAt = at));
    prober.kill('SIGTERM');
    await proberExited;
    for (const line of probeOutput.split('\n').filter(Boolean)) {
      const probe = JSON.parse(line) as Probe;
      (probe.kind === 'health' ? health : clients).push(probe);
    }
    await load('after', BASELINE_CONNECTIONS, BASELINE_SECONDS);
    process.stdout.write(
      `flood run: ${JSON.stringify(Object.values(phases).map((p) => ({ ...p, paidPerSecond: Math.round(p.paid / p.seconds) })))}; ` +
        `health ${JSON.stringify(health.map((h) => [h.connectMs, h.ms, h.status]))}; fresh clients ${JSON.stringify(clients.map((c) => [c.connectMs, c.ms, c.status]))}; ` +
        `service log ${service.outputBytes()} bytes\n${process.env.FLOOD_DEBUG ? service.output().slice(-3000) : ''}\n`,
    );
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await service?.stop();
    if (service) removeDataDir(service.dataDir);
    await database?.drop();
  });

  it('answers every request of the flood 200 or 503 (or 429): no 500, no dropped connection', () => {
    const flood = phases.flood;
    expect(Object.keys(flood.statuses).filter((status) => !['200', '503', '429'].includes(status))).toEqual([]);
    expect(flood.statuses[503]).toBeGreaterThan(0); // it was a flood: some were shed
    expect({ errors: flood.errors, timeouts: flood.timeouts }).toEqual({ errors: 0, timeouts: 0 });
  });

  it('keeps paying under the flood at ≥ 80 % of the rate 50 connections got just before, and recovers after it', () => {
    const rate = (p: Phase) => p.paid / p.seconds;
    expect(rate(phases.flood)).toBeGreaterThanOrEqual(0.8 * rate(phases.before));
    expect(rate(phases.after)).toBeGreaterThanOrEqual(0.8 * rate(phases.before));
  });

  it('answers /health 200 within 1 s throughout, after the opening seconds (within 8 s in them)', () => {
    expect(health.length).toBeGreaterThanOrEqual(FLOOD_SECONDS * 2);
    expect(health.filter((h) => h.status !== 200 || tooSlow(h))).toEqual([]);
    expect(health.filter((h) => h.at >= floodStartedAt + OPENING_MS).length).toBeGreaterThanOrEqual(FLOOD_SECONDS);
  });

  it('answers a fresh client within 1 s (8 s in the opening seconds): paid, or 503 服务繁忙 with Retry-After in the partner envelope', () => {
    expect(clients.filter((c) => tooSlow(c) || ![200, 503].includes(c.status))).toEqual([]);
    for (const c of clients.filter((p) => p.status === 503)) {
      expect(c.retryAfter).toBe('1');
      expect(JSON.parse(c.body)).toEqual({ code: 50001, errors: { request_id: expect.any(String) }, msg: '服务繁忙', result: {} });
    }
  });

  it('keeps its log under 1 MB: shed requests are counted in one line a second, no stack traces', () => {
    expect(service.outputBytes()).toBeLessThan(LOG_LIMIT_BYTES);
    expect(service.output()).not.toMatch(/"stack"|"level":"error"/);
    expect(service.output()).toMatch(/overload: requests answered 503 in the last second.*"count":\d+/);
  });

  it('lost and doubled nothing: balances equal ledger sums, one debit per paid order, every success is an order', async () => {
    const [rows] = await db.query<RowDataPacket[]>(
      `SELECT (SELECT COUNT(*) FROM wallets w LEFT JOIN (SELECT wallet_id, SUM(delta) AS total FROM wallet_ledger GROUP BY wallet_id) l ON l.wallet_id = w.id
                WHERE w.balance <> COALESCE(l.total, 0) OR w.balance < 0) AS mismatched,
              (SELECT COUNT(*) FROM partner_orders WHERE gift_pos_id = ? AND order_status = 1) AS paid,
              (SELECT COUNT(*) FROM wallet_ledger WHERE biz_type = 'partner_order_pay') AS debits,
              (SELECT COUNT(DISTINCT biz_no) FROM wallet_ledger WHERE biz_type = 'partner_order_pay') AS debitedOrders`,
      [BENCH_PACK.id],
    );
    const answeredPaid = Object.values(phases).reduce((n, p) => n + p.paid, 0) + clients.filter((c) => c.status === 200).length;
    const { mismatched, paid, debits, debitedOrders } = rows[0];
    expect({ mismatched: Number(mismatched), debits: Number(debits), debitedOrders: Number(debitedOrders) }).toEqual({ mismatched: 0, debits: Number(paid), debitedOrders: Number(paid) });
    // Requests still in flight when a phase's clock ran out may have paid unanswered: at most MAX_IN_FLIGHT per phase.
    expect(Number(paid)).toBeGreaterThanOrEqual(answeredPaid);
    expect(Number(paid) - answeredPaid).toBeLessThanOrEqual(64 * Object.keys(phases).length);
    expect(bodiesReused).toBe(false); // no body was sent twice, so every success was a new payment
  });
});
