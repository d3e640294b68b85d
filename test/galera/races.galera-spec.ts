import type { Connection } from 'mysql2/promise';
import { BENCH_PACK, Fixtures, loadFixtures, mapLimit, MALL_GOODS_STOCK, PartnerBuyer } from '../../bench/fixtures';
import { mallCreate, partnerPay } from '../../bench/requests';
import { requireBuild } from '../faults/fault-support';
import { GaleraCluster } from './galera-cluster';
import { admin, Answer, booksReader, Check, codeOf, envInt, failed, formatChecks, log, one, orderNoOf, post, rows, startTrio, statusTable, tradeSnOf, Trio, walletChecks } from './galera-support';

/**
 * Races across three writing nodes: each request of a race goes to a different instance, so the conflict is
 * decided by Galera's certification, not by one server's row locks.
 */

const DRAIN_ROUNDS = envInt('GALERA_DRAIN_ROUNDS', 5);
const DRAIN_PAYS = 60;
const DRAIN_AFFORDABLE = 3;
const NONCE_ROUNDS = envInt('GALERA_NONCE_ROUNDS', 100);
const MALL_RACE_ROUNDS = envInt('GALERA_MALL_RACE_ROUNDS', 100);
/** Each racing body is sent this many times to each instance at once. */
const COPIES_PER_INSTANCE = 2;
const PARALLEL_RACES = 4;

async function newBuyer(baseUrl: string, n: number, balanceFen: number): Promise<PartnerBuyer> {
  const user = await admin(baseUrl, 'partner/users', { phone: `136${String(n).padStart(8, '0')}`, real_name: `竞争用户${n}` });
  await admin(baseUrl, `partner/users/${user.id}/balance`, { amount: balanceFen / 100, remark: 'galera race' });
  const address = await admin(baseUrl, `partner/users/${user.id}/addresses`, { name: '收货人', phone: '13900000000', province: '广东省', city: '深圳市', district: '南山区', detail: `竞争 ${n} 号` });
  return { userId: user.id, addressId: address.id };
}

describe('galera: races across three nodes, then a quorum loss', () => {
  const cluster = new GaleraCluster({ log });
  let trio: Trio;
  let fixtures: Fixtures;
  const readers: Connection[] = [];
  const urls = () => trio.services.map((s) => s.baseUrl);
  const checks: Check[] = [];

  beforeAll(async () => {
    requireBuild();
    try {
      await cluster.start();
      trio = await startTrio(cluster, 'ops_galera_races');
      fixtures = await loadFixtures(urls()[0], { buyers: 4, buyerBalanceYuan: 10_000, hotBalanceYuan: 10, goodsPerStore: 2, members: 10 }, log);
      for (const node of cluster.nodes) readers.push(await booksReader(cluster, node.index, trio.database));
    } catch (error) {
      await trio?.stop();
      await cluster.stop();
      throw error;
    }
  }, 300_000);

  afterAll(async () => {
    for (const db of readers) await db.end();
    if (checks.length) log(`summary of the races:\n${formatChecks(checks)}`);
    await trio?.stop();
    await cluster.stop();
  }, 120_000);

  it(`drains a wallet that affords ${DRAIN_AFFORDABLE} with ${DRAIN_PAYS} parallel pays across the instances, ${DRAIN_ROUNDS} times: exactly ${DRAIN_AFFORDABLE} succeed`, async () => {
    const answers: Answer[] = [];
    const buyers: PartnerBuyer[] = [];
    for (let round = 0; round < DRAIN_ROUNDS; round++) {
      const buyer = await newBuyer(urls()[0], 1000 + round, DRAIN_AFFORDABLE * BENCH_PACK.priceFen);
      buyers.push(buyer);
      const requests = Array.from({ length: DRAIN_PAYS }, (_, i) => partnerPay(buyer, 1, `drain-${round}-${i}`));
      const got = await Promise.all(requests.map((request, i) => post(i % 3, urls()[i % 3], 'pay', `drain-${round}-${i}`, '/app/partner/order/pay', request)));
      answers.push(...got);
      const ok = got.filter((a) => a.status === 200).length;
      const refused = got.filter((a) => a.status === 422 && codeOf(a) === 42201).length;
      log(`drain ${round + 1}/${DRAIN_ROUNDS}: ${ok} × 200, ${refused} × 42201, others ${got.length - ok - refused} ${JSON.stringify(statusTable(got))}`);
    }
    const mine: Check[] = [];
    for (const [i, db] of readers.entries()) {
      const node = cluster.nodes[i].name;
      const found = await rows(
        db,
        `SELECT w.owner_id, w.balance, (SELECT COALESCE(SUM(delta), 0) FROM wallet_ledger l WHERE l.wallet_id = w.id) AS ledger,
                (SELECT COUNT(*) FROM wallet_ledger l WHERE l.wallet_id = w.id AND l.biz_type = 'partner_order_pay') AS debits,
                (SELECT COUNT(*) FROM partner_orders o WHERE o.user_id = w.owner_id AND o.order_status = 1) AS orders
           FROM wallets w WHERE w.owner_type = 'partner_user' AND w.owner_id IN (?)`,
        [buyers.map((b) => b.userId)],
      );
      const wrong = found.filter((r) => Number(r.balance) !== 0 || Number(r.ledger) !== 0 || Number(r.debits) !== DRAIN_AFFORDABLE || Number(r.orders) !== DRAIN_AFFORDABLE);
      mine.push({ node, name: 'drained wallets: balance 0 = ledger sum, 3 debits, 3 paid orders', ok: found.length === DRAIN_ROUNDS && wrong.length === 0, detail: `${wrong.length} of ${found.length} wrong ${JSON.stringify(wrong.slice(0, 3))}` });
    }
    const answered = Array.from({ length: DRAIN_ROUNDS }, (_, round) => answers.slice(round * DRAIN_PAYS, (round + 1) * DRAIN_PAYS)).map((got) => ({
      ok: got.filter((a) => a.status === 200).length,
      refused: got.filter((a) => a.status === 422 && codeOf(a) === 42201).length,
    }));
    const wrongRounds = answered.filter((r) => r.ok !== DRAIN_AFFORDABLE || r.refused !== DRAIN_PAYS - DRAIN_AFFORDABLE);
    mine.push({ node: 'all', name: `drains answered ${DRAIN_AFFORDABLE} × 200 and ${DRAIN_PAYS - DRAIN_AFFORDABLE} × 42201`, ok: wrongRounds.length === 0, detail: `${wrongRounds.length} of ${DRAIN_ROUNDS} rounds otherwise ${JSON.stringify(wrongRounds)}` });
    checks.push(...mine);
    expect(failed(mine)).toEqual([]);
  }, 300_000);

  it(`the same nonce sent to every instance at once makes one order, ${NONCE_ROUNDS} times; every 200 names it`, async () => {
    const buyer = fixtures.buyers[0];
    const perRound = await mapLimit(Array.from({ length: NONCE_ROUNDS }, (_, i) => i), PARALLEL_RACES, async (round) => {
      const key = `nonce-race-${round}`;
      const request = partnerPay(buyer, 1, key);
      return Promise.all(Array.from({ length: 3 * COPIES_PER_INSTANCE }, (_, i) => post(i % 3, urls()[i % 3], 'pay', key, '/app/partner/order/pay', request)));
    });
    const all = perRound.flat();
    log(`same-nonce races: ${JSON.stringify(statusTable(all))}`);
    expect(all.filter((a) => a.status !== 200 && !(a.status === 409 && codeOf(a) === 40901)).map((a) => ({ status: a.status, body: a.body }))).toEqual([]);
    const named = perRound.map((answers) => [...new Set(answers.filter((a) => a.status === 200).map(orderNoOf))]);
    // a race with no 200 at all (every copy "in progress") is allowed; two different orders are not
    expect(named.filter((orderNos) => orderNos.length > 1)).toEqual([]);
    const orderNos = named.flat() as string[];
    const mine: Check[] = [];
    for (const [i, db] of readers.entries()) {
      const node = cluster.nodes[i].name;
      const stored = await rows(db, `SELECT order_no, order_status FROM partner_orders WHERE user_id = ? AND gift_pos_id = ?`, [buyer.userId, BENCH_PACK.id]);
      const debits = await one(db, `SELECT COUNT(*) AS n FROM wallet_ledger l JOIN wallets w ON w.id = l.wallet_id WHERE w.owner_id = ? AND l.biz_type = 'partner_order_pay'`, [buyer.userId]);
      const storedNos = new Set(stored.map((r) => r.order_no as string));
      const phantom = orderNos.filter((no) => !storedNos.has(no));
      const ok = phantom.length === 0 && stored.length <= NONCE_ROUNDS && stored.length >= orderNos.length && debits.n === stored.length;
      mine.push({
        node,
        name: 'same nonce: one order per race, every 200 names a stored order, one debit per order',
        ok,
        detail: `${stored.length} orders for ${NONCE_ROUNDS} races (${orderNos.length} named by a 200), ${debits.n} debits, ${phantom.length} phantom${phantom.length ? ` ${phantom.join(', ')}` : ''}`,
      });
      mine.push(...(await walletChecks(db, node)));
    }
    checks.push(...mine);
    expect(failed(mine)).toEqual([]);
  }, 300_000);

  it(`the same outside_sn sent to every instance at once makes one trade, ${MALL_RACE_ROUNDS} times; every 200 names the stored trade_sn`, async () => {
    const perRound = await mapLimit(Array.from({ length: MALL_RACE_ROUNDS }, (_, i) => i), PARALLEL_RACES, async (round) => {
      const request = mallCreate(fixtures, round);
      const key = JSON.parse(request.body).outside_sn as string;
      return Promise.all(Array.from({ length: 3 * COPIES_PER_INSTANCE }, (_, i) => post(i % 3, urls()[i % 3], 'mall', key, '/order/create', request)));
    });
    const all = perRound.flat();
    log(`same-outside_sn races: ${JSON.stringify(statusTable(all))}`);
    expect(all.filter((a) => a.status !== 200 && !(a.status === 409 && codeOf(a) === 40901)).map((a) => ({ status: a.status, body: a.body }))).toEqual([]);
    const mine: Check[] = [];
    for (const [i, db] of readers.entries()) {
      const node = cluster.nodes[i].name;
      const stored = await rows(db, `SELECT t.outside_sn, t.trade_sn, (SELECT COUNT(*) FROM mall_orders o WHERE o.trade_id = t.id) AS orders FROM mall_trades t WHERE t.outside_sn IN (?)`, [
        perRound.map((answers) => answers[0].key),
      ]);
      const byOutsideSn = new Map(stored.map((r) => [r.outside_sn as string, r]));
      const wrongAnswers = all.filter((a) => a.status === 200 && byOutsideSn.get(a.key)?.trade_sn !== tradeSnOf(a));
      const incomplete = stored.filter((r) => Number(r.orders) !== fixtures.goodsByStore.length);
      const stock = await one(
        db,
        `SELECT COALESCE(SUM(g.stock + COALESCE(s.sold, 0) <> ?), 0) AS wrong FROM mall_goods g
           LEFT JOIN (SELECT goods_id, SUM(total) AS sold FROM mall_order_goods GROUP BY goods_id) s ON s.goods_id = g.id WHERE g.id IN (?)`,
        [MALL_GOODS_STOCK, fixtures.goodsByStore.flat()],
      );
      const ok = wrongAnswers.length === 0 && incomplete.length === 0 && stock.wrong === 0 && stored.length <= MALL_RACE_ROUNDS;
      mine.push({
        node,
        name: 'same outside_sn: one trade per race, every 200 names the stored trade_sn, stock + sold = initial',
        ok,
        detail: `${stored.length} trades for ${MALL_RACE_ROUNDS} races, ${wrongAnswers.length} 200s naming another trade_sn, ${incomplete.length} incomplete trades, ${stock.wrong} goods with stock + sold ≠ initial`,
      });
      if (wrongAnswers.length) log(`${node}: 200s naming a trade_sn that is not stored: ${JSON.stringify(wrongAnswers.slice(0, 5).map((a) => ({ outside_sn: a.key, answered: tradeSnOf(a), stored: byOutsideSn.get(a.key)?.trade_sn ?? null })))}`);
    }
    checks.push(...mine);
    expect(failed(mine)).toEqual([]);
  }, 300_000);

  it('a node that lost its quorum (the two others SIGKILLed) refuses data queries with 1047: its instance answers 503, never 500, and /health 503', async () => {
    await cluster.kill(1);
    await cluster.kill(2);
    // the survivor waits out the suspect timeout, then is a non-primary component: connections yes, queries no
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await cluster.state(0)) === 'Synced') await new Promise((r) => setTimeout(r, 250));
    const state = await cluster.state(0);
    log(`node1 alone: ${state}`);
    expect(state).not.toBe('Synced');
    const requests = Array.from({ length: 10 }, (_, i) => partnerPay(fixtures.buyers[1], 1, `alone-${i}`));
    const got = await Promise.all(requests.map((request, i) => post(0, urls()[0], 'pay', `alone-${i}`, '/app/partner/order/pay', request)));
    const mall = await post(0, urls()[0], 'mall', 'alone-mall', '/order/create', mallCreate(fixtures, 10_000));
    const health = await fetch(`${urls()[0]}/health`);
    const healthBody = (await health.json()) as { code: number; errors: Record<string, string> };
    log(`instance1 on a non-primary node: payments ${JSON.stringify(statusTable(got))}, mall create ${mall.status}, /health ${health.status} ${JSON.stringify(healthBody.errors)}`);
    expect([...got, mall].map((a) => ({ status: a.status, code: codeOf(a) }))).toEqual(Array.from({ length: 11 }, () => ({ status: 503, code: 50001 })));
    expect(health.status).toBe(503);
    expect(healthBody.errors.galera).toMatch(/wsrep_ready OFF/);
  }, 120_000);
});
