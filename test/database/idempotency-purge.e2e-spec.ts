import { LessThan, Like } from 'typeorm';
import { IdempotencyRecord } from '../../src/database/entities/common/idempotency-record.entity';
import { DEMO_PACK, newUser, nonce, ordersOf } from '../partner/partner-fixtures';
import { describeEachEngine } from '../support/each-engine';
import { signPartner } from '../support/signing';

/**
 * SPEC §11 Housekeeping: expired idempotency records and nonces are deleted continuously, in small batches, from the
 * start, without a restart. Here with short windows and a purge every second (the defaults are 60 s and 30 s), so
 * the test takes seconds: records expire, and are gone a few seconds later; live ones stay and still replay.
 */
const WINDOW_SECONDS = 2;
const PURGE_SECONDS = 1;
/** More than two batches (1000 each), so a run that stopped after one would leave some. */
const STALE_ROWS = 2_500;
/** A purge every second: expired rows go within a few; the margin is for a loaded machine. */
const PURGED_WITHIN_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEachEngine(
  'housekeeping: expired request keys are purged while the service runs',
  (ctx) => {
    it('expired records, nonces included, are deleted within seconds of expiring; live ones stay and replay', async () => {
      const t = ctx();
      const records = t.dataSource.getRepository(IdempotencyRecord);
      const postPay = (body: Record<string, unknown>) => t.http.post('/app/partner/order/pay').send(body);
      const { userId, addressId } = await newUser(t, { balance: 2000 });

      // a pay with a nonce: its nonce (kept 24 h) and its content key (kept IDEMPOTENCY_WINDOW_SECONDS)
      const withNonce = signPartner({ user_id: userId, pay_type: 1, gift_pos_id: DEMO_PACK, address_id: addressId, nonce: nonce() });
      const original = await postPay(withNonce).expect(200);
      const live = await records.find();
      const nonceKey = live.find((r) => r.key.startsWith('nonce:'))!.key;
      const contentKeys = live.filter((r) => r.key.startsWith('same:')).map((r) => r.key);
      expect(contentKeys).toHaveLength(1);

      // nonces of yesterday, as a service that ran then would have left them
      const hourAgo = new Date(Date.now() - 3600_000);
      for (let i = 0; i < STALE_ROWS; i += 500) {
        const rows = Array.from({ length: Math.min(500, STALE_ROWS - i) }, (_, j) => ({
          key: `nonce:partner:stale:${i + j}`,
          requestHash: 'a'.repeat(64),
          outcome: '{"ok":true,"data":{}}',
          createdAt: new Date(hourAgo.getTime() - 86_400_000),
          expiresAt: hourAgo,
        }));
        await records.insert(rows);
      }

      const started = Date.now();
      const expiredLeft = () => records.count({ where: { expiresAt: LessThan(new Date()) } });
      while (Date.now() - started < PURGED_WITHIN_MS) {
        if ((await expiredLeft()) === 0 && (await records.countBy({ key: contentKeys[0] })) === 0) break;
        await sleep(250);
      }
      const took = Date.now() - started;
      expect(await records.countBy({ key: Like('nonce:partner:stale:%') })).toBe(0);
      expect(await expiredLeft()).toBe(0);
      // the content key expired WINDOW_SECONDS after the pay and is gone too
      expect(await records.countBy({ key: contentKeys[0] })).toBe(0);
      expect(took).toBeLessThan(PURGED_WITHIN_MS);

      // the nonce is alive: kept, and its request still gets the stored answer, with no second order
      expect(await records.countBy({ key: nonceKey })).toBe(1);
      expect((await postPay(withNonce).expect(200)).body).toEqual(original.body);
      expect(await ordersOf(t, userId)).toHaveLength(1);
    });
  },
  { env: { JOBS_ENABLED: 'true', IDEMPOTENCY_WINDOW_SECONDS: String(WINDOW_SECONDS), IDEMPOTENCY_PURGE_INTERVAL_SECONDS: String(PURGE_SECONDS) } },
);
