import { DrainState } from '../../src/common/runtime/drain-state';
import { DatabaseProxy } from '../faults/fault-support';
import { describeEachEngine } from '../support/each-engine';
import { freshDatabase } from '../support/engines';
import { createTestApp, TestApp } from '../support/test-app';

/** SPEC §11: liveness never asks the database; readiness does, and turns 503 once a shutdown begins. */

async function probe(t: TestApp, path: string) {
  const started = Date.now();
  const res = await t.http.get(path);
  return { status: res.status, body: res.body, ms: Date.now() - started, retryAfter: res.headers['retry-after'] };
}

describeEachEngine('health probes', (ctx, engine) => {
  it('live and ready answer 200 while the database answers; /health as before', async () => {
    const t = ctx();
    expect(await probe(t, '/health/live')).toMatchObject({ status: 200, body: { code: 1, result: { status: 'ok' } } });
    expect(await probe(t, '/health/ready')).toMatchObject({ status: 200, body: { code: 1, result: { status: 'ok', database: engine } } });
    expect(await probe(t, '/health')).toMatchObject({ status: 200, body: { code: 1, result: { status: 'ok', database: engine } } });
  });

  it('once a shutdown begins, ready is 503 with Retry-After while live (and /health, as before) stay 200', async () => {
    const t = ctx();
    t.app.get(DrainState).begin();
    const ready = await probe(t, '/health/ready');
    expect(ready).toMatchObject({ status: 503, body: { code: 50001, msg: '服务正在停止，请稍后重试' } });
    expect(Number(ready.retryAfter)).toBeGreaterThan(0);
    expect(await probe(t, '/health/live')).toMatchObject({ status: 200, body: { code: 1 } });
    expect(await probe(t, '/health')).toMatchObject({ status: 200 });
  });
});

describe('health probes while the database is away', () => {
  if (process.env.TEST_SKIP_SQLITE !== '1') {
    it('[sqlite] with the data source closed, live is 200 and ready 503; reopened, ready is 200 again', async () => {
      const t = await createTestApp('sqlite');
      try {
        await t.dataSource.destroy();
        expect(await probe(t, '/health/live')).toMatchObject({ status: 200, body: { code: 1 } });
        expect(await probe(t, '/health/ready')).toMatchObject({ status: 503, body: { code: 50001 } });
        await t.dataSource.initialize();
        expect(await probe(t, '/health/ready')).toMatchObject({ status: 200 });
      } finally {
        if (!t.dataSource.isInitialized) await t.dataSource.initialize();
        await t.close();
      }
    });
  }

  const mysql = process.env.TEST_MYSQL_URL ? it : it.skip;
  mysql('[mysql] through a proxy that stops answering: live stays 200 and quick, ready is 503; restored, ready is 200', async () => {
    const db = await freshDatabase('mysql');
    const direct = new URL(db.env.DATABASE_URL);
    const proxy = new DatabaseProxy({ host: direct.hostname, port: Number(direct.port || 3306) });
    await proxy.start();
    const proxied = new URL(direct.toString());
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const t = await createTestApp('mysql', { database: { env: { ...db.env, DATABASE_URL: proxied.toString() }, drop: db.drop } });
    try {
      expect(await probe(t, '/health/ready')).toMatchObject({ status: 200 });
      // Blackholed: connections are accepted and never answered, the worst case for anything that asks the database.
      await proxy.cut('blackhole');
      const live = await probe(t, '/health/live');
      expect(live).toMatchObject({ status: 200, body: { code: 1, result: { status: 'ok' } } });
      // The probe's own bounded wait (DB_ACQUIRE_TIMEOUT_MS, 2 s) is what ready spends; live spends nothing of it.
      expect(live.ms).toBeLessThan(1_500);
      expect(await probe(t, '/health/ready')).toMatchObject({ status: 503, body: { code: 50001 } });
      expect(await probe(t, '/health/live')).toMatchObject({ status: 200 });

      await proxy.restore();
      const deadline = Date.now() + 20_000;
      let ready = await probe(t, '/health/ready');
      while (ready.status !== 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        ready = await probe(t, '/health/ready');
      }
      expect(ready).toMatchObject({ status: 200 });
    } finally {
      await proxy.restore();
      await t.close();
      await proxy.stop();
    }
  });
});
