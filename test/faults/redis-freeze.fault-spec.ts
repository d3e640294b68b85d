import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Fixtures, loadFixtures } from '../../bench/fixtures';
import { partnerPay } from '../../bench/requests';
import { freePort, removeDataDir, ScratchDatabase, scratchDatabase, ServiceProcess, startService } from '../support/service-process';
import { drive, faultServer, Outcome, requireBuild, send } from './fault-support';

/**
 * The incident behind the limiter's breaker (SPEC §11, dependencies that hang): Redis stopped with SIGSTOP keeps its
 * connections open and answers nothing, so every request waited out the limiter's 500 ms command timeout. Here a
 * Redis of the test's own is frozen under a load of partner payments: after the first timeout the limiter counts in
 * the instance, so payments keep at least half their rate and a p99 under a second; once Redis is let go (SIGCONT)
 * the probe finds it and the counting goes back to Redis.
 */

const WORKERS = 16;
const MAX_REQUESTS = 20_000;
const WARM_MS = 1_000;
const PHASE_MS = 3_000;
const FROZEN_MS = 4_000;
const P99_LIMIT_MS = 1_000;
/** The limiter's Redis command timeout (rate-limit-store.ts). */
const REDIS_TIMEOUT_MS = 500;
/** The probe asks every second; a loaded machine gets a few seconds more. */
const RECOVERY_LIMIT_MS = 8_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function p99(outcomes: Outcome[]): number {
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  return ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.99))];
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function metric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

describe('fault: Redis frozen (SIGSTOP) under a load of payments [mysql]', () => {
  const server = faultServer();
  const redisDir = mkdtempSync(join(tmpdir(), 'ops-redis-'));
  let redisProcess: ChildProcess;
  let redis: Redis;
  let database: ScratchDatabase;
  let service: ServiceProcess;
  let fixtures: Fixtures;
  let seq = 0;
  const phases: Record<'before' | 'frozen', { outcomes: Outcome[]; ms: number }> = { before: { outcomes: [], ms: 0 }, frozen: { outcomes: [], ms: 0 } };
  let countingLocallyWhileFrozen = NaN;
  let recoveredAfterMs = NaN;

  const load = async (ms: number) => {
    const started = Date.now();
    const outcomes = await drive(
      () => service.baseUrl,
      WORKERS,
      MAX_REQUESTS,
      () => ({ kind: 'pay', path: '/app/partner/order/pay', request: partnerPay(fixtures.buyers[seq % fixtures.buyers.length], 1, `redis-${seq++}`) }),
      () => Date.now() - started > ms,
    );
    return { outcomes, ms: Date.now() - started };
  };

  beforeAll(async () => {
    requireBuild();
    const port = await freePort();
    redisProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: 'ignore' });
    for (let i = 0; !(await listening(port)); i++) {
      if (i > 100) throw new Error('redis-server did not start');
      await sleep(100);
    }
    redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    expect(await redis.ping()).toBe('PONG');

    database = await scratchDatabase(server, 'ops_fault_redis');
    // a limit far above the load: every payment is counted in Redis, none is refused
    service = await startService({ databaseUrl: database.url, env: { REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_PER_MINUTE: '1000000' } });
    fixtures = await loadFixtures(service.baseUrl, { buyers: 32, buyerBalanceYuan: 100_000, hotBalanceYuan: 10, goodsPerStore: 1, members: 1 }, () => undefined);

    await load(WARM_MS);
    phases.before = await load(PHASE_MS);
    redisProcess.kill('SIGSTOP');
    phases.frozen = await load(FROZEN_MS);
    countingLocallyWhileFrozen = await metric(service.baseUrl, 'rate_limiter_counting_locally');
    redisProcess.kill('SIGCONT');
    const continued = Date.now();
    while (Date.now() - continued < RECOVERY_LIMIT_MS) {
      if ((await metric(service.baseUrl, 'rate_limiter_counting_locally')) === 0) {
        recoveredAfterMs = Date.now() - continued;
        break;
      }
      await sleep(100);
    }
    const rate = (p: { outcomes: Outcome[]; ms: number }) => ((p.outcomes.length * 1000) / p.ms).toFixed(0);
    const waited = phases.frozen.outcomes.filter((o) => o.ms >= REDIS_TIMEOUT_MS).length;
    process.stdout.write(
      `[faults] Redis SIGSTOP: ${rate(phases.before)} pays/s before (p99 ${p99(phases.before.outcomes)} ms), ${rate(phases.frozen)} pays/s frozen ` +
        `(p99 ${p99(phases.frozen.outcomes)} ms, ${waited} of ${phases.frozen.outcomes.length} took ${REDIS_TIMEOUT_MS} ms or more); back on Redis ${recoveredAfterMs} ms after SIGCONT\n`,
    );
  }, 120_000);

  afterAll(async () => {
    redisProcess?.kill('SIGCONT');
    redis?.disconnect();
    await service?.stop();
    await database?.drop();
    if (service) removeDataDir(service.dataDir);
    redisProcess?.kill('SIGKILL');
    rmSync(redisDir, { recursive: true, force: true });
  });

  it('before and while frozen every payment is answered 200', () => {
    expect(phases.before.outcomes.length).toBeGreaterThan(50);
    for (const phase of [phases.before, phases.frozen]) expect(phase.outcomes.filter((o) => o.status !== 200).map((o) => o.status)).toEqual([]);
  });

  it('while Redis is frozen payments keep at least half their rate and a p99 under a second: one timeout, not one per request', () => {
    const rate = (p: { outcomes: Outcome[]; ms: number }) => p.outcomes.length / p.ms;
    expect(rate(phases.frozen)).toBeGreaterThanOrEqual(rate(phases.before) / 2);
    expect(p99(phases.frozen.outcomes)).toBeLessThan(P99_LIMIT_MS);
    // Only the requests in flight when Redis froze wait out its timeout; without the breaker every one did.
    const waited = phases.frozen.outcomes.filter((o) => o.ms >= REDIS_TIMEOUT_MS).length;
    expect(waited / phases.frozen.outcomes.length).toBeLessThan(0.2);
  });

  it('the limiter said so: counting in the instance while frozen, one log line when it opened', () => {
    expect(countingLocallyWhileFrozen).toBe(1);
    const opened = service.output().split('\n').filter((l) => l.includes('rate limiter: Redis failed'));
    expect(opened).toHaveLength(1);
  });

  it('after SIGCONT the probe finds Redis and the limiter counts there again', async () => {
    expect(recoveredAfterMs).toBeLessThan(RECOVERY_LIMIT_MS);
    expect(service.output()).toContain('rate limiter: Redis answers again, counting there');
    const buyer = fixtures.buyers[0];
    const hits = async () => Number((await redis.get(`{ops:rl:default:partner:${buyer.userId}:default}:hits`)) ?? 0);
    const before = await hits();
    for (let i = 0; i < 10; i++) expect((await send(service.baseUrl, 'pay', '/app/partner/order/pay', partnerPay(buyer, 1, `after-${i}`))).status).toBe(200);
    expect((await hits()) - before).toBe(10);
  });
});
