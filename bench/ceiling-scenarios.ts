/**
 * The scenarios of `npm run bench:ceiling` (ceiling.ts): for each, the raw server that sends nothing but the service's
 * statements for one request, the service's own request of that kind as the main bench sends it, the fixtures they
 * need and the requests each of the two is loaded with (numbered from 0, a fresh one each time).
 */
import type { Connection } from 'mysql2/promise';
import type { ServiceProcess } from '../test/support/service-process';
import { BENCH_PACK, FixtureSizes, Fixtures } from './fixtures';
import { pendingBenchPayments } from './invariants';
import { GetRequest, LoadRequest, runLoad } from './load';
import { mallCreate, mallOk, notifyOk, partnerOk, partnerPay, RUN_ID, signedNotifies } from './requests';

export const SCENARIOS = ['pay', 'mall', 'notify'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Requests {
  build: (n: number) => LoadRequest | GetRequest;
  /**
   * Where each request uses something up that must be made first (a pending payment per notify): makes requests
   * 0 … count - 1 buildable. Called before a round, outside any measurement.
   */
  ensure?: (count: number) => Promise<void>;
}

export interface ScenarioContext {
  service: ServiceProcess;
  /** On the scratch database the servers share. */
  conn: Connection;
  fixtures: Fixtures;
  log: (line: string) => void;
}

export interface CeilingScenario {
  /** What one request is, in the labels: "raw pay (the pay’s 7 statements …)", "service ÷ raw pay". */
  name: string;
  /** How many statements the raw server sends for one request: the service's, as test/budgets/query-budget.e2e-spec.ts counts them. */
  statements: number;
  /** The raw server, in bench/; started with DATABASE_URL, PORT and POOL, and `rawEnv`. */
  rawServer: string;
  rawEnv: Record<string, string>;
  serviceLabel: string;
  servicePath: string;
  serviceCheck: (status: number, body: string) => boolean;
  fixtures: FixtureSizes;
  requests: (ctx: ScenarioContext) => { raw: Requests; service: Requests };
}

/**
 * The raw servers' creates are numbered from here, so that their outside_sn and nonces (bench/requests.ts) never meet
 * the service's, which count from 0, in the database the two share.
 */
const RAW_MALL_NUMBERS = 1_000_000_000;

/** Buyers with wallets that hold enough for every pay of a run (the raw pay server pays for those of at least 1,000,000 yuan). */
const PAY_FIXTURES = { buyers: 100, buyerBalanceYuan: 1_000_000, hotBalanceYuan: 1, goodsPerStore: 1, members: 1 };

export const CEILING_SCENARIOS: Record<ScenarioName, CeilingScenario> = {
  pay: {
    name: 'pay',
    statements: 7,
    rawServer: 'raw-pay-server.ts',
    rawEnv: { PACK_ID: BENCH_PACK.id },
    serviceLabel: 'service partner pay by balance',
    servicePath: '/app/partner/order/pay',
    serviceCheck: partnerOk,
    fixtures: PAY_FIXTURES,
    requests: ({ fixtures: { buyers } }) => ({
      raw: { build: (n) => ({ method: 'GET', path: `/?b=${n % buyers.length}&req=${RUN_ID}-${n}` }) },
      service: { build: (n) => partnerPay(buyers[n % buyers.length], 1, `ceil${n}`) },
    }),
  },
  mall: {
    name: 'mall create',
    // With the trade inserted after the pricing read and no closing UPDATE of it (raw-mall-server.ts).
    statements: 10,
    rawServer: 'raw-mall-server.ts',
    rawEnv: {},
    serviceLabel: 'service mall create (three stores)',
    servicePath: '/order/create',
    serviceCheck: mallOk,
    // As bench/ab.ts loads them: the goods a create picks from and the members it is for.
    fixtures: { buyers: 1, buyerBalanceYuan: 1, hotBalanceYuan: 1, goodsPerStore: 10, members: 50 },
    requests: ({ fixtures }) => ({
      raw: { build: (n) => mallCreate(fixtures, RAW_MALL_NUMBERS + n) },
      service: { build: (n) => mallCreate(fixtures, n) },
    }),
  },
  notify: {
    name: 'notify',
    statements: 7,
    rawServer: 'raw-notify-server.ts',
    rawEnv: {},
    serviceLabel: 'service Alipay notify (TRADE_SUCCESS)',
    servicePath: '/payments/alipay/notify',
    serviceCheck: notifyOk,
    fixtures: PAY_FIXTURES,
    requests: (ctx) => {
      const payments = alipayPayments(ctx);
      return { raw: notifiesOf(payments), service: notifiesOf(payments) };
    },
  },
};

/**
 * Makes `count` pending Alipay payments through the service (partner pays of the bench pack with pay_type 2, as the
 * main bench makes them; not measured) and returns their TRADE_SUCCESS notifies, signed as the sandbox signs them.
 * Every payment is handed out once, so the raw server and the service never settle the same.
 */
function alipayPayments({ service, conn, fixtures: { buyers }, log }: ScenarioContext): (count: number) => Promise<LoadRequest[]> {
  let made = 0;
  let lastId = 0;
  return async (count) => {
    log(`paying ${count} orders by Alipay through the service, to notify (not measured)`);
    const paid = await runLoad({
      name: 'partner pay by Alipay (setup)',
      baseUrl: service.baseUrl,
      path: '/app/partner/order/pay',
      connections: 50,
      amount: count,
      build: (n) => partnerPay(buyers[(made + n) % buyers.length], 2, `ceil-alipay${made + n}`),
      check: partnerOk,
      progress: false,
    });
    made += count;
    if (paid.ok !== count || paid.badBodies) throw new Error(`partner pay by Alipay (setup): ${paid.ok} of ${count} accepted ${JSON.stringify(paid.statusCodes)}`);
    const pending = await pendingBenchPayments(conn, count, lastId);
    if (pending.length !== count) throw new Error(`found ${pending.length} of the ${count} pending payments just made`);
    lastId = pending[pending.length - 1].id;
    return signedNotifies(service.dataDir, pending);
  };
}

/** One server's notifies, each of a payment of its own, made as the rounds need them. */
function notifiesOf(payments: (count: number) => Promise<LoadRequest[]>): Requests {
  const notifies: LoadRequest[] = [];
  return {
    build: (n) => notifies[n],
    ensure: async (count) => {
      if (count > notifies.length) notifies.push(...(await payments(count - notifies.length)));
    },
  };
}
