import { RequestClaim } from '../../src/common/idempotency/request-claim';
import { PartnerOrderService, PayType } from '../../src/partner/partner-order.service';
import { admin, ADMIN_AUTH, newUser, walletOf } from '../partner/partner-fixtures';
import { describeEachEngine } from '../support/each-engine';

/**
 * Every read sees only committed data (SPEC §1): a read never runs inside another request's open transaction.
 *
 * A balance pay debits the wallet and then fails, so the transaction rolls back and its debit is never committed;
 * while it is open, 100 reads of the balance go through the admin API at once. On SQLite a pay's statements never
 * wait for I/O, so only requests that arrive in the same tick (pipelined on one connection) can reach the database
 * between its debit and its rollback, and whether one does depends on how many steps each takes. The public API
 * cannot hold a pay open, so the test does it from inside: the pay's last step in its transaction (where a request
 * records its idempotency claim) waits until every read is answered, then fails.
 */
const READS = 100;

describeEachEngine('committed reads', (ctx) => {
  it('a pay that debits and then rolls back never shows its debit to 100 reads beside it', async () => {
    const t = ctx();
    const { userId, addressId } = await newUser(t, { balance: 1000 });
    const pack = await admin(t, 'post', 'gift-packs', { title: '回滚礼包', price: 10 });
    const readBalance = async () => {
      const res = await t.http.get(`/admin/partner/users/${userId}`).set('Authorization', ADMIN_AUTH);
      if (res.status !== 200) throw new Error(`read → ${res.status} ${res.text}`);
      return res.body.result.balance as number;
    };

    let debited!: () => void;
    const inTransaction = new Promise<void>((resolve) => (debited = resolve));
    let readsDone!: () => void;
    const answered = new Promise<void>((resolve) => (readsDone = resolve));
    const failsAfterDebit = new RequestClaim([], 'committed-reads', {
      record: async () => {
        debited();
        await answered;
        throw new Error('the pay fails after its debit');
      },
    });
    const pay = t.app.get(PartnerOrderService).pay({ userId, payType: PayType.Balance, giftPosId: pack.id, addressId }, failsAfterDebit);
    const settled = pay.catch((error: Error) => error.message);

    await inTransaction;
    const balances = await Promise.all(Array.from({ length: READS }, readBalance)).finally(readsDone);

    expect(await settled).toBe('the pay fails after its debit');
    expect(new Set(balances)).toEqual(new Set([1000]));
    expect(await walletOf(t, userId)).toMatchObject({ balance: 100000, ledgerSum: 100000 });
  });
});
