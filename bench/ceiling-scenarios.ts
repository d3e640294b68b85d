/**
 * The scenarios of `npm run bench:ceiling` (ceiling.ts): for each, the raw server that sends nothing but the service's
 * statements for one request, the service's own request of that kind as the main bench sends it, the fixtures they
 * need and the requests each of the two is loaded with (numbered from 0, a fresh one each time).
 */
import { BENCH_PACK, FixtureSizes, Fixtures } from './fixtures';
import type { GetRequest, LoadRequest } from './load';
import { mallCreate, mallOk, partnerOk, partnerPay, RUN_ID } from './requests';

export const SCENARIOS = ['pay', 'mall'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Requests {
  build: (n: number) => LoadRequest | GetRequest;
}

export interface ScenarioContext {
  fixtures: Fixtures;
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
};
