/**
 * `npx ts-node --transpile-only bench/ab.ts pay|alipay|mall|notify ROUNDS DIR_A DIR_B [...]`: compares builds of the service.
 *
 * Each DIR is a copy of `dist/` inside the repository (so that its `node_modules` resolve), e.g.
 * `cp -r dist bench/results/dist-before`. Every build gets its own scratch database and fixtures; then the builds
 * take 600-request bursts in turn, ROUNDS times (the first round warms up and is not counted), and the medians of the
 * service's and MariaDB's CPU per request are printed. Taking turns keeps the machine's drift from hour to hour out of
 * the comparison, which single full runs cannot (docs/performance.md, "Method"). `pay` pays by balance, `alipay` by Alipay
 * (the answer carries a signed pay URL). `notify` first pays ROUNDS × 600 orders by Alipay on each build (not
 * measured), then sends their TRADE_SUCCESS notifies, signed before the rounds. `--cpu-prof` writes each build's V8
 * profile to bench/results/profiles/ab-<build folder>/ (start-up and fixtures included) for `npm run bench:profile`.
 */
import { basename, resolve } from 'node:path';
import { connectMysql, parseMysqlServer, ScratchDatabase, scratchDatabase, ServiceProcess, startService } from '../test/support/service-process';
import { BENCH_SERVICE_ENV, Fixtures, loadFixtures } from './fixtures';
import { pendingBenchPayments } from './invariants';
import { cpuSeconds, LoadRequest, runLoad } from './load';
import { databaseServerPid } from './proc';
import { mallCreate, mallOk, notifyOk, partnerOk, partnerPay, signedNotifies } from './requests';

const BURST = 600;

interface Build {
  dir: string;
  db: ScratchDatabase;
  service: ServiceProcess;
  fixtures: Fixtures;
  /** `notify`: the notifies of this build's Alipay payments, signed before the rounds. */
  notifies: LoadRequest[];
  sent: number;
  serviceMs: number[];
  databaseMs: number[];
}

const PATHS: Record<string, string> = { pay: '/app/partner/order/pay', alipay: '/app/partner/order/pay', mall: '/order/create', notify: '/payments/alipay/notify' };

/** Pays `count` orders by Alipay on the build (not measured) and signs a TRADE_SUCCESS notify for each. */
async function alipayNotifies(server: ReturnType<typeof parseMysqlServer>, db: ScratchDatabase, service: ServiceProcess, fixtures: Fixtures, count: number): Promise<LoadRequest[]> {
  const paid = await runLoad({
    name: 'Alipay pays to notify',
    baseUrl: service.baseUrl,
    path: PATHS.pay,
    connections: 50,
    amount: count,
    build: (n) => partnerPay(fixtures.buyers[n % fixtures.buyers.length], 2, `abn${n}`),
    check: partnerOk,
    progress: false,
  });
  if (paid.non2xx || paid.errors) throw new Error(`Alipay pays: ${JSON.stringify(paid.statusCodes)}, ${paid.errors} errors`);
  const conn = await connectMysql(server, db.name);
  try {
    return signedNotifies(service.dataDir, await pendingBenchPayments(conn, count));
  } finally {
    await conn.end();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(argv: string[]): Promise<void> {
  const cpuProf = argv.includes('--cpu-prof');
  const [scenario, roundsText, ...dirs] = argv.filter((arg) => arg !== '--cpu-prof');
  const rounds = Number(roundsText);
  if (!(scenario in PATHS) || !(rounds >= 2) || dirs.length < 2) throw new Error(`usage: bench/ab.ts ${Object.keys(PATHS).join('|')} ROUNDS DIR_A DIR_B [...]`);
  const server = parseMysqlServer(process.env.BENCH_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306');
  const databasePid = databaseServerPid(server.port);
  if (!databasePid) throw new Error(`no local database server found on port ${server.port}`);
  const builds: Build[] = [];
  try {
    for (const dir of dirs) {
      const db = await scratchDatabase(server, 'ops_ab');
      const profiles = resolve(__dirname, 'results/profiles', `ab-${basename(dir)}`);
      const nodeArgs = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [];
      const service = await startService({ databaseUrl: db.url, entry: resolve(dir, 'main.js'), env: BENCH_SERVICE_ENV, nodeArgs });
      const fixtures = await loadFixtures(service.baseUrl, { buyers: 100, buyerBalanceYuan: 100_000, hotBalanceYuan: 10_000_000, goodsPerStore: 10, members: 50 }, () => undefined);
      const notifies = scenario === 'notify' ? await alipayNotifies(server, db, service, fixtures, rounds * BURST) : [];
      builds.push({ dir, db, service, fixtures, notifies, sent: 0, serviceMs: [], databaseMs: [] });
    }
    for (let round = 0; round < rounds; round++) {
      for (const b of builds) {
        const build =
          scenario === 'mall'
            ? (n: number) => mallCreate(b.fixtures, b.sent + n)
            : scenario === 'notify'
              ? (n: number) => b.notifies[b.sent + n]
              : (n: number) => partnerPay(b.fixtures.buyers[(b.sent + n) % b.fixtures.buyers.length], scenario === 'alipay' ? 2 : 1, `ab${b.sent + n}`);
        const before = { service: cpuSeconds(b.service.child.pid)!, database: cpuSeconds(databasePid)! };
        const result = await runLoad({
          name: b.dir,
          baseUrl: b.service.baseUrl,
          path: PATHS[scenario],
          connections: 50,
          amount: BURST,
          build,
          check: scenario === 'mall' ? mallOk : scenario === 'notify' ? notifyOk : partnerOk,
          progress: false,
        });
        b.sent += BURST;
        if (result.non2xx || result.errors || result.badBodies) throw new Error(`${b.dir}: ${JSON.stringify(result.statusCodes)}, ${result.errors} errors`);
        if (round === 0) continue;
        b.serviceMs.push(((cpuSeconds(b.service.child.pid)! - before.service) * 1000) / BURST);
        b.databaseMs.push(((cpuSeconds(databasePid)! - before.database) * 1000) / BURST);
      }
      process.stdout.write(`round ${round + 1}/${rounds}\n`);
    }
    for (const b of builds) {
      console.log(`${b.dir}: service ${median(b.serviceMs).toFixed(2)} ms, database ${median(b.databaseMs).toFixed(2)} ms per ${scenario} (medians of ${b.serviceMs.length})`);
    }
  } finally {
    for (const b of builds) {
      await b.service.stop();
      await b.db.drop();
    }
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
