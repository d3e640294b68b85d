import { gzipSync } from 'node:zlib';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { MysqlConnectionOptions } from 'typeorm/driver/mysql/MysqlConnectionOptions';
import { IdempotencyService } from '../../src/common/idempotency/idempotency.service';
import { IdempotencyRecord } from '../../src/database/entities/common/idempotency-record.entity';
import { describeEachEngine } from '../support/each-engine';
import { signMall, signPartner } from '../support/signing';
import { MallApp } from '../../src/database/entities/mall/mall-app.entity';
import { afterCommit, MallProbeController, PartnerProbeController, probeCalls } from './probe.controller';

const USER = '41840909af844632885424fbc20cae79';

describeEachEngine(
  'foundation: envelopes, validation, signatures, replay',
  (ctx) => {
    it('GET /health checks the database', async () => {
      const res = await ctx().http.get('/health').expect(200);
      expect(res.body).toEqual({ code: 1, errors: {}, msg: '操作成功', result: { status: 'ok', database: ctx().engine } });
      expect(res.headers['x-request-id']).toMatch(/^[\w-]+$/);
    });

    it('a missing or wrong partner sign is 401 in the partner envelope and runs no handler', async () => {
      const before = probeCalls.partner;
      const missing = await ctx().http.post('/test-probe/partner').send({ user_id: USER, pay_type: 1 }).expect(401);
      expect(missing.body).toEqual({ code: 40101, errors: {}, msg: '缺少签名 sign', result: {} });
      const wrong = await ctx().http.post('/test-probe/partner').send({ user_id: USER, pay_type: 1, sign: '0'.repeat(32) }).expect(401);
      expect(wrong.body.code).toBe(40101);
      const otherKey = await ctx().http.post('/test-probe/partner').send(signPartner({ user_id: USER, pay_type: 1 }, 'not-the-key')).expect(401);
      expect(otherKey.body.code).toBe(40101);
      expect(probeCalls.partner).toBe(before);
    });

    it('a wrong mall sign or an unknown app_id is 401 in the mall envelope', async () => {
      const before = probeCalls.mall;
      const params = { uid: 2455, goods: [{ goods_id: 164, total: 1 }] };
      const wrong = await ctx().http.post('/order/probe').send(signMall(params, 'wrong-secret')).expect(401);
      expect(wrong.body).toEqual({ result: 0, msg: '签名错误', data: { code: 40101, errors: {} } });
      const unknown = await ctx().http.post('/order/probe').send(signMall(params, 'mall-dev-secret', '999')).expect(401);
      expect(unknown.body.data.code).toBe(40101);
      await ctx().dataSource.getRepository(MallApp).insert({ appId: 'disabled-app', name: 'off', secret: 'off-secret', notifyUrl: '', enabled: false, createdAt: new Date() });
      const disabled = await ctx().http.post('/order/probe').send(signMall(params, 'off-secret', 'disabled-app')).expect(401);
      expect(disabled.body).toEqual({ result: 0, msg: 'app_id 无效或已停用', data: { code: 40101, errors: {} } });
      expect(probeCalls.mall).toBe(before);
    });

    it('a correctly signed request reaches the handler with numeric strings converted', async () => {
      const res = await ctx().http.post('/test-probe/partner').send(signPartner({ user_id: USER, pay_type: '2' })).expect(200);
      expect(res.body).toMatchObject({ code: 1, msg: '操作成功', result: { user_id: USER, pay_type: 2 } });
    });

    it('accepts urlencoded bodies with nested keys, signed over the parsed arrays', async () => {
      const signed = signMall({ uid: '2455', goods: [{ goods_id: '164', total: '2' }, { goods_id: '99', total: '1' }] });
      const form = `app_id=${signed.app_id}&uid=2455&goods[0][goods_id]=164&goods[0][total]=2&goods[1][goods_id]=99&goods[1][total]=1&sign=${signed.sign}`;
      const res = await ctx().http.post('/order/probe').type('form').send(form).expect(200);
      expect(res.body).toMatchObject({ result: 1, data: { uid: 2455, goods: [{ goods_id: 164, total: 2 }, { goods_id: 99, total: 1 }] } });
    });

    it('reads a gzip-compressed body as the plain one', async () => {
      // fetch, not supertest: superagent would serialize the Buffer as JSON.
      const res = await fetch(`${ctx().baseUrl}/test-probe/partner`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify(signPartner({ user_id: USER, pay_type: '2' }))),
      });
      expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 200, body: { code: 1, result: { user_id: USER, pay_type: 2 } } });
    });

    it('a bad field is 400 with errors naming it, and an unknown field is refused', async () => {
      const bad = await ctx().http.post('/test-probe/partner').send(signPartner({ user_id: USER, pay_type: 3 })).expect(400);
      expect(bad.body).toEqual({ code: 40001, errors: { pay_type: 'pay_type 必须是 1 或 2' }, msg: '参数错误', result: {} });
      const extra = await ctx().http.post('/test-probe/partner').send(signPartner({ user_id: USER, pay_type: 1, price: 1 })).expect(400);
      expect(extra.body.errors).toEqual({ price: 'price 是不支持的参数' });
      const nested = await ctx().http.post('/order/probe').send(signMall({ uid: 2455, goods: [{ goods_id: 'x', total: 1 }] })).expect(400);
      expect(nested.body).toEqual({ result: 0, msg: '参数错误', data: { code: 40001, errors: { 'goods[0].goods_id': 'goods[0].goods_id 必须是整数' } } });
    });

    it('unknown routes and unparsable bodies get the envelope of their path', async () => {
      const partner404 = await ctx().http.post('/app/partner/nothing').send({}).expect(404);
      expect(partner404.body).toEqual({ code: 40401, errors: {}, msg: '接口不存在', result: {} });
      const mallBroken = await ctx().http.post('/order/probe').set('content-type', 'application/json').send('{"uid":').expect(400);
      expect(mallBroken.body).toEqual({ result: 0, msg: '请求体格式错误', data: { code: 40001, errors: { body: '无法解析请求体（JSON 或表单格式错误）' } } });
      const tooLarge = await ctx().http.post('/test-probe/partner').send({ user_id: 'x'.repeat(300 * 1024) }).expect(400);
      expect(tooLarge.body).toMatchObject({ code: 40001, msg: '请求体过大' });
    });

    it('a stale timestamp is 40102', async () => {
      const stale = Math.floor(Date.now() / 1000) - 301;
      const res = await ctx().http.post('/test-probe/partner').send(signPartner({ user_id: USER, pay_type: 1, timestamp: String(stale) })).expect(401);
      expect(res.body).toMatchObject({ code: 40102, msg: 'timestamp 已过期' });
      const fresh = await ctx().http.post('/test-probe/partner').send(signPartner({ user_id: USER, pay_type: 1, timestamp: String(Date.now()) }));
      expect(fresh.status).toBe(200);
    });

    it('a retried nonce gets the original response; the nonce with other parameters is 40102', async () => {
      const before = probeCalls.partner;
      const params = signPartner({ user_id: USER, pay_type: 1, nonce: 'n-retry-1', timestamp: String(Math.floor(Date.now() / 1000)) });
      const first = await ctx().http.post('/test-probe/partner').send(params).expect(200);
      // The probe answers with its call count, so an equal body is the stored answer, not a second run's.
      const again = await ctx().http.post('/test-probe/partner').send(params).expect(200);
      expect(again.body).toEqual(first.body);
      expect(first.body.result.call).toBe(before + 1);
      const reused = await ctx().http.post('/test-probe/partner').send(signPartner({ user_id: USER, pay_type: 2, nonce: 'n-retry-1' })).expect(401);
      expect(reused.body).toMatchObject({ code: 40102, msg: 'nonce 已被使用' });
    });

    it('a refused request replays its refusal under the same nonce', async () => {
      const params = signPartner({ user_id: USER, pay_type: 7, nonce: 'n-bad-1' });
      const first = await ctx().http.post('/test-probe/partner').send(params).expect(400);
      const again = await ctx().http.post('/test-probe/partner').send(params).expect(400);
      expect(again.body).toEqual(first.body);
    });

    it('20 parallel copies of one nonce make one effect; the others get the original response', async () => {
      const effects = () => ctx().dataSource.getRepository(MallApp).countBy({ name: 'parallel-1' });
      const params = signPartner({ marker: 'parallel-1', nonce: 'n-parallel-1' });
      const responses = await Promise.all(Array.from({ length: 20 }, () => ctx().http.post('/test-probe/commit').send(params)));
      expect(await effects()).toBe(1);
      for (const r of responses) expect(r.status).toBe(200);
      for (const r of responses) expect(r.body).toEqual(responses[0].body);
      const rows = await ctx().dataSource.getRepository(IdempotencyRecord).countBy({ key: 'nonce:partner::n-parallel-1' });
      expect(rows).toBe(1);
    });

    it('a retry while the original is between its COMMIT and its answer gets the committed answer, no second effect', async () => {
      const effects = () => ctx().dataSource.getRepository(MallApp).countBy({ name: 'crash-1' });
      const params = signPartner({ marker: 'crash-1', nonce: 'n-crash-1' });
      let release!: () => void;
      afterCommit.hold = new Promise<void>((resolve) => (release = resolve));
      const first = ctx().http.post('/test-probe/commit').send(params).then((r) => r);
      try {
        for (let i = 0; i < 100 && (await effects()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect(await effects()).toBe(1);
        const retry = await ctx().http.post('/test-probe/commit').send(params).expect(200);
        expect(retry.body).toMatchObject({ code: 1, result: { marker: 'crash-1' } });
        expect(await effects()).toBe(1);
      } finally {
        release();
        afterCommit.hold = Promise.resolve();
      }
      const original = await first;
      expect(original.status).toBe(200);
      expect(original.body.result).toEqual({ marker: 'crash-1' });
      expect(await effects()).toBe(1);
    });

    it('a request whose answer was lost after its commit is answered by a retry with the committed answer', async () => {
      const effects = () => ctx().dataSource.getRepository(MallApp).countBy({ name: 'crash-2' });
      const params = signPartner({ marker: 'crash-2', nonce: 'n-crash-2' });
      afterCommit.fail = true;
      await ctx().http.post('/test-probe/commit').send(params).expect(500);
      afterCommit.fail = false;
      const retry = await ctx().http.post('/test-probe/commit').send(params).expect(200);
      expect(retry.body).toMatchObject({ code: 1, result: { marker: 'crash-2' } });
      expect(await effects()).toBe(1);
    });

    it('expired request keys are purged, live ones kept', async () => {
      const repo = ctx().dataSource.getRepository(IdempotencyRecord);
      const base = { requestHash: 'h'.repeat(64), outcome: '{"ok":true,"data":{}}', createdAt: new Date() };
      await repo.insert([
        { ...base, key: 'purge-test-old', expiresAt: new Date(Date.now() - 1000) },
        { ...base, key: 'purge-test-live', expiresAt: new Date(Date.now() + 60_000) },
      ]);
      expect(await ctx().app.get(IdempotencyService).purgeExpired()).toBeGreaterThanOrEqual(1);
      expect(await repo.existsBy({ key: 'purge-test-old' })).toBe(false);
      expect(await repo.existsBy({ key: 'purge-test-live' })).toBe(true);
    });

    it('an Idempotency-Key reused with other parameters is 40901', async () => {
      const first = await ctx().http.post('/test-probe/partner').set('Idempotency-Key', 'key-1').send(signPartner({ user_id: USER, pay_type: 1 })).expect(200);
      const same = await ctx().http.post('/test-probe/partner').set('Idempotency-Key', 'key-1').send(signPartner({ user_id: USER, pay_type: 1 })).expect(200);
      expect(same.body).toEqual(first.body);
      const other = await ctx().http.post('/test-probe/partner').set('Idempotency-Key', 'key-1').send(signPartner({ user_id: USER, pay_type: 2 })).expect(409);
      expect(other.body).toMatchObject({ code: 40901 });
    });
  },
  { controllers: [PartnerProbeController, MallProbeController] },
);

describeEachEngine('database schema', (ctx) => {
  /**
   * TypeORM reads a schema back in the dialect of the server it talks to: its MySQL dialect misreads MariaDB's column
   * defaults. So a `mysql://` run against MariaDB (as CI runs it: no MySQL 8 server here) compares in the MariaDB
   * dialect, on the same database.
   */
  async function comparingDataSource(): Promise<{ source: DataSource; close: () => Promise<void> }> {
    const own = ctx().dataSource;
    if (own.options.type !== 'mysql') return { source: own, close: async () => undefined };
    const [{ version }] = await own.query('SELECT VERSION() AS version');
    if (!/mariadb/i.test(String(version))) return { source: own, close: async () => undefined };
    const source = await new DataSource({ ...(own.options as MysqlConnectionOptions), type: 'mariadb', migrationsRun: false } as DataSourceOptions).initialize();
    return { source, close: () => source.destroy() };
  }

  it('the entities and the schema agree (on MySQL: generating a migration after running them yields nothing)', async () => {
    const { source, close } = await comparingDataSource();
    try {
      const pending = await source.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      if (ctx().engine === 'mysql') {
        expect(await source.showMigrations()).toBe(false);
      }
    } finally {
      await close();
    }
  });
});
