import type { Connection, RowDataPacket } from 'mysql2/promise';
import { BENCH_PACK, Fixtures, loadFixtures } from '../../bench/fixtures';
import { partnerPay } from '../../bench/requests';
import { connectMysql, removeDataDir, ScratchDatabase, scratchDatabase, ServiceProcess, startService } from '../support/service-process';
import { CutMode, DatabaseProxy, drive, faultServer, Outcome, requireBuild } from './fault-support';

/**
 * The database goes away under a load of payments and comes back, with the service running throughout
 * (a TCP proxy between them is cut and restored; the shared server itself is never touched). While it is
 * away, every request is answered 503 in the envelope, quickly, and /health says 503; once it is back the
 * service takes payments again by itself, and no accepted payment was lost or doubled.
 */

const WORKERS = 12;
const MAX_REQUESTS = 20_000;
/**
 * How long an answer may take while the database is away. Refused connections fail at once. Blackholed ones:
 * until the first connect attempt times out (3 s) requests wait at most the acquire timeout (DB_ACQUIRE_TIMEOUT_MS,
 * 2 s); after it the pool guard refuses them at once. One second of margin for a loaded machine.
 */
const OUTAGE_ANSWER_LIMIT_MS: Record<CutMode, number> = { refuse: 1_000, blackhole: 2_000 + 1_000 };
const OUTAGE_MS: Record<CutMode, number> = { refuse: 3_000, blackhole: 7_000 };
const RECOVERY_LIMIT_MS = 10_000;

interface Phase {
  outcomes: Outcome[];
  health: Array<{ at: number; status: number; body: any }>;
  cutAt: number;
  restoredAt: number;
  /** When the first request sent after the restore succeeded. */
  recoveredAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rows(db: Connection, sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const [result] = await db.query<RowDataPacket[]>(sql, params);
  return result;
}

describe('fault: the database goes away under load and comes back [mysql]', () => {
  const server = faultServer();
  const proxy = new DatabaseProxy({ host: server.host, port: server.port });
  let database: ScratchDatabase;
  let service: ServiceProcess;
  let fixtures: Fixtures;
  let db: Connection;
  const phases = {} as Record<CutMode, Phase>;
  let seq = 0;

  /** Load → cut → outage → restore → load until requests succeed again. */
  async function outage(mode: CutMode): Promise<Phase> {
    const phase: Phase = { outcomes: [], health: [], cutAt: Infinity, restoredAt: Infinity, recoveredAt: Infinity };
    let done = false;
    const load = drive(
      () => service.baseUrl,
      WORKERS,
      MAX_REQUESTS,
      () => {
        const n = seq++;
        return { kind: 'pay', path: '/app/partner/order/pay', request: partnerPay(fixtures.buyers[n % fixtures.buyers.length], 1, `${mode}-${n}`) };
      },
      () => done,
    );
    // A prober like a load balancer's: one probe every 200 ms whatever the previous one is doing.
    const probes: Promise<void>[] = [];
    const prober = setInterval(() => {
      const at = Date.now();
      probes.push(
        fetch(`${service.baseUrl}/health`, { signal: AbortSignal.timeout(15_000) })
          .then(async (res) => ({ status: res.status, body: await res.json().catch(() => null) }))
          .catch(() => ({ status: 0, body: null }))
          .then((answer) => void phase.health.push({ at, ...answer })),
      );
    }, 200);
    await sleep(1_000);
    phase.cutAt = Date.now();
    await proxy.cut(mode);
    await sleep(OUTAGE_MS[mode]);
    phase.restoredAt = Date.now();
    await proxy.restore();
    const deadline = Date.now() + RECOVERY_LIMIT_MS;
    while (Date.now() < deadline) {
      const ok = phase.health.some((h) => h.at > phase.restoredAt && h.status === 200);
      if (ok) break;
      await sleep(100);
    }
    await sleep(1_500);
    done = true;
    clearInterval(prober);
    phase.outcomes = await load;
    await Promise.all(probes);
    const firstOk = phase.outcomes.filter((o) => o.startedAt > phase.restoredAt && o.status === 200).sort((a, b) => a.startedAt - b.startedAt)[0];
    phase.recoveredAt = firstOk ? firstOk.startedAt + firstOk.ms : Infinity;
    return phase;
  }

  beforeAll(async () => {
    requireBuild();
    database = await scratchDatabase(server, 'ops_fault_outage');
    await proxy.start();
    service = await startService({ databaseUrl: database.urlVia('127.0.0.1', proxy.port) });
    fixtures = await loadFixtures(service.baseUrl, { buyers: 30, buyerBalanceYuan: 5_000, hotBalanceYuan: 1, goodsPerStore: 1, members: 1 }, () => undefined);
    db = await connectMysql(server, database.name);
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await service?.stop();
    await proxy.stop();
    await database?.drop();
    if (service) removeDataDir(service.dataDir);
  });

  describe.each<CutMode>(['refuse', 'blackhole'])('%s', (mode) => {
    beforeAll(async () => {
      const phase = (phases[mode] = await outage(mode));
      const refused = phase.outcomes.filter((o) => o.status === 503);
      process.stdout.write(
        `[faults] ${mode}: ${phase.outcomes.length} requests, ${refused.length} answered 503 (slowest ${Math.max(0, ...refused.map((o) => o.ms))} ms), ` +
          `first success ${phase.recoveredAt - phase.restoredAt} ms after the database came back\n`,
      );
    }, 60_000);

    it('answers every request: 200 or 503 in the envelope, never a 500 or a hang', () => {
      const { outcomes } = phases[mode];
      expect(outcomes.length).toBeGreaterThan(0);
      expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503).map((o) => [o.status, o.body])).toEqual([]);
      for (const o of outcomes.filter((x) => x.status === 503)) {
        expect(o.body).toEqual({ code: 50001, msg: '服务暂不可用，请稍后重试', errors: { request_id: expect.stringMatching(/^\w+$/) }, result: {} });
      }
    });

    it('while the database is away, requests are refused with 503 quickly', () => {
      const { outcomes, cutAt, restoredAt } = phases[mode];
      const during = outcomes.filter((o) => o.startedAt > cutAt + 50 && o.startedAt + o.ms < restoredAt);
      expect(during.length).toBeGreaterThan(0);
      expect(during.filter((o) => o.status !== 503)).toEqual([]);
      expect(Math.max(...during.map((o) => o.ms))).toBeLessThan(OUTAGE_ANSWER_LIMIT_MS[mode]);
      if (mode === 'blackhole') {
        // once the first connect attempt has timed out (3 s), only one probe at a time waits: the rest fail fast
        const known = during.filter((o) => o.startedAt > cutAt + 3_500);
        expect(known.length).toBeGreaterThan(WORKERS);
        const fast = known.filter((o) => o.ms < 200);
        expect(fast.length / known.length).toBeGreaterThan(0.9);
      }
    });

    it('/health says 503 while the database is away and 200 once it is back', () => {
      const { health, cutAt, restoredAt } = phases[mode];
      const during = health.filter((h) => h.at > cutAt + 50 && h.at < restoredAt - OUTAGE_ANSWER_LIMIT_MS[mode]);
      expect(during.length).toBeGreaterThan(0);
      for (const h of during) expect({ status: h.status, code: h.body?.code }).toEqual({ status: 503, code: 50001 });
      expect(health.some((h) => h.at > restoredAt && h.status === 200)).toBe(true);
    });

    it('recovers by itself: payments succeed again soon after the database is back', () => {
      const { outcomes, restoredAt, recoveredAt } = phases[mode];
      expect(recoveredAt - restoredAt).toBeLessThan(RECOVERY_LIMIT_MS);
      const settled = outcomes.filter((o) => o.startedAt > recoveredAt + 500);
      expect(settled.length).toBeGreaterThan(0);
      expect(settled.filter((o) => o.status !== 200)).toEqual([]);
    });
  });

  it('logs each refused request as one warning line with its request id, not a stack trace', () => {
    const refusals = service
      .output()
      .split('\n')
      .slice(1) // the kept output may begin mid-line
      .filter((line) => line.startsWith('{') && line.includes('"/app/partner/order/pay"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.msg !== 'request');
    expect(refusals.length).toBeGreaterThan(0);
    for (const entry of refusals) {
      expect({ level: entry.level, request_id: entry.request_id, stack: entry.stack }).toEqual({ level: 'warn', request_id: expect.stringMatching(/^\w+$/), stack: undefined });
    }
  });

  it('lost and doubled nothing: every 200 payment is paid once, balances equal ledger sums', async () => {
    const answered = Object.values(phases).flatMap((p) => p.outcomes).filter((o) => o.status === 200);
    expect(Object.keys(phases)).toEqual(['refuse', 'blackhole']);
    expect(answered.length).toBeGreaterThan(0);
    const orderNos = answered.map((o) => o.body.result.order_info.order_no as string);
    expect(new Set(orderNos).size).toBe(orderNos.length);
    const found = await rows(
      db,
      `SELECT o.order_no, o.order_status, COUNT(l.id) AS debits FROM partner_orders o
         LEFT JOIN wallet_ledger l ON l.biz_type = 'partner_order_pay' AND l.biz_no = o.order_no
        WHERE o.order_no IN (?) GROUP BY o.order_no, o.order_status`,
      [orderNos],
    );
    expect(found).toHaveLength(orderNos.length);
    for (const row of found) expect({ status: row.order_status, debits: Number(row.debits) }).toEqual({ status: 1, debits: 1 });
    // a request cut between its COMMIT and the answer may have paid without being told: never the reverse
    const [all] = await rows(db, `SELECT COUNT(*) AS orders FROM partner_orders WHERE gift_pos_id = ?`, [BENCH_PACK.id]);
    const [debits] = await rows(db, `SELECT COUNT(*) AS n FROM wallet_ledger WHERE biz_type = 'partner_order_pay'`);
    expect(Number(all.orders)).toBeGreaterThanOrEqual(orderNos.length);
    expect(Number(debits.n)).toBe(Number(all.orders));
    const [wallets] = await rows(
      db,
      `SELECT COALESCE(SUM(w.balance <> COALESCE(l.total, 0)), 0) AS mismatched, COALESCE(SUM(w.balance < 0), 0) AS negative
         FROM wallets w LEFT JOIN (SELECT wallet_id, SUM(delta) AS total FROM wallet_ledger GROUP BY wallet_id) l ON l.wallet_id = w.id`,
    );
    expect({ mismatched: Number(wallets.mismatched), negative: Number(wallets.negative) }).toEqual({ mismatched: 0, negative: 0 });
  });
});
