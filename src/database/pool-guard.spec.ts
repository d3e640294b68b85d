import { createServer } from 'node:net';
import { GuardablePool, guardedMysql2, PoolGuard } from './pool-guard';

type Callback = Parameters<GuardablePool['getConnection']>[0];

/** A pool whose connection attempts the test answers by hand, in any order. */
class ManualPool implements GuardablePool {
  readonly pending: Callback[] = [];
  released = 0;

  getConnection(callback: Callback): void {
    this.pending.push(callback);
  }

  end(): void {}

  succeed(index = 0): void {
    this.pending.splice(index, 1)[0](null, { release: () => this.released++ });
  }

  fail(code: string, index = 0): void {
    this.pending.splice(index, 1)[0](Object.assign(new Error(code), { code }));
  }
}

function acquire(pool: GuardablePool): Promise<{ error: (Error & { code?: string }) | null; connection?: unknown }> {
  return new Promise((resolve) => pool.getConnection((error, connection) => resolve({ error, connection })));
}

describe('PoolGuard', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('passes connections through while the database answers', async () => {
    const pool = new ManualPool();
    const guard = new PoolGuard(pool, 1_000);
    const got = acquire(guard);
    pool.succeed();
    expect(await got).toEqual({ error: null, connection: expect.anything() });
  });

  it('answers DB_ACQUIRE_TIMEOUT after the acquire timeout and returns the late connection to the pool', async () => {
    const pool = new ManualPool();
    const guard = new PoolGuard(pool, 1_000);
    const got = acquire(guard);
    jest.advanceTimersByTime(1_000);
    expect((await got).error?.code).toBe('DB_ACQUIRE_TIMEOUT');
    pool.succeed(0);
    expect(pool.released).toBe(1);
  });

  it('answers DB_BUSY at once while maxWaiting acquisitions wait, and takes requests again once one is answered', async () => {
    const pool = new ManualPool();
    const guard = new PoolGuard(pool, 5_000, 2);
    const waiting = [acquire(guard), acquire(guard)];
    expect((await acquire(guard)).error?.code).toBe('DB_BUSY');
    expect(pool.pending).toHaveLength(2);
    pool.succeed();
    await waiting[0];
    const next = acquire(guard);
    expect(pool.pending).toHaveLength(2);
    pool.succeed();
    pool.succeed();
    expect((await next).error).toBeNull();
    expect((await waiting[1]).error).toBeNull();
  });

  it('after a connection failure lets one probe through and refuses the rest at once, until a success', async () => {
    const pool = new ManualPool();
    const guard = new PoolGuard(pool, 5_000);
    const first = acquire(guard);
    pool.fail('ETIMEDOUT');
    expect((await first).error?.code).toBe('ETIMEDOUT');

    const probe = acquire(guard);
    const refused = await Promise.all([acquire(guard), acquire(guard)]);
    expect(refused.map((r) => r.error?.code)).toEqual(['DB_UNREACHABLE', 'DB_UNREACHABLE']);
    expect(pool.pending).toHaveLength(1); // only the probe reached the pool

    pool.fail('ECONNREFUSED'); // the probe fails: still down, the next request is the new probe
    expect((await probe).error?.code).toBe('ECONNREFUSED');
    const secondProbe = acquire(guard);
    expect((await acquire(guard)).error?.code).toBe('DB_UNREACHABLE');
    pool.succeed();
    expect((await secondProbe).error).toBeNull();

    const afterwards = [acquire(guard), acquire(guard)];
    expect(pool.pending).toHaveLength(2);
    pool.succeed();
    pool.succeed();
    expect((await Promise.all(afterwards)).map((r) => r.error)).toEqual([null, null]);
  });

  it('does not count other errors (or its own acquire timeout) as the database being down', async () => {
    const pool = new ManualPool();
    const guard = new PoolGuard(pool, 1_000);
    const denied = acquire(guard);
    pool.fail('ER_ACCESS_DENIED_ERROR');
    expect((await denied).error?.code).toBe('ER_ACCESS_DENIED_ERROR');
    const slow = acquire(guard);
    jest.advanceTimersByTime(1_000);
    expect((await slow).error?.code).toBe('DB_ACQUIRE_TIMEOUT');
    // not down: both requests reach the pool instead of one probe and one refusal
    const both = [acquire(guard), acquire(guard)];
    expect(pool.pending).toHaveLength(3);
    pool.pending.splice(0).forEach((cb) => cb(null, { release: () => undefined }));
    expect((await Promise.all(both)).map((r) => r.error)).toEqual([null, null]);
  });
});

describe('guardedMysql2', () => {
  it('creates mysql2 pools behind a guard: after a refused connection only one request at a time tries again', async () => {
    const closed = createServer();
    const port = await new Promise<number>((resolve) => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as { port: number }).port)));
    await new Promise((resolve) => closed.close(resolve));
    const mysql2 = guardedMysql2(1_000) as { createPool(options: object): GuardablePool };
    const pool = mysql2.createPool({ host: '127.0.0.1', port, user: 'nobody', connectionLimit: 2 });
    try {
      expect((await acquire(pool)).error?.code).toBe('ECONNREFUSED');
      const [probe, other] = await Promise.all([acquire(pool), acquire(pool)]);
      expect([probe.error?.code, other.error?.code]).toEqual(['ECONNREFUSED', 'DB_UNREACHABLE']);
    } finally {
      await new Promise((resolve) => pool.end(resolve));
    }
  });
});
