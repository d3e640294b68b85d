/**
 * `npm run bench [-- --quick] [--only pay,hot,mall,alipay] [--connections 50] [--instances 1] [--pool 20] [--cpu-prof] [--perf] [--keep-db] [--no-build]`
 * `npm run bench -- --reference [--quick] [--rounds 2] [--round-seconds 15] [--only pay,mall,alipay] [...]`: see reference-rounds.ts
 *
 * Builds the service, starts it as a child process on a fresh MariaDB/MySQL schema (BENCH_MYSQL_URL, default
 * mariadb://root@127.0.0.1:3306) with the demo data, loads buyers, goods and members through the admin API,
 * then measures the scenarios below with autocannon and checks the database afterwards: every accepted request
 * made exactly one effect, balances equal ledger sums, stock plus sold equals the initial stock. Results go to
 * stdout and bench/results/latest.json. Exits non-zero when an invariant fails (targets are reported, not enforced:
 * they depend on the machine).
 */
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectMysql, parseMysqlServer, REPO_ROOT, removeDataDir, scratchDatabase, ServiceOptions, ServiceProcess, startService } from '../test/support/service-process';
import { BENCH_SERVICE_ENV, loadFixtures } from './fixtures';
import { checkInvariants, Invariant, pendingBenchPayments } from './invariants';
import { cpuSeconds, formatStats, LoadOptions, LoadStats, round, runLoad } from './load';
import { PERF_NODE_ARGS, perfAvailable, PerfRecording, removePerfMaps, startPerf } from './perf-record';
import { databaseServerPid, RssSampler } from './proc';
import { REFERENCE_SCENARIOS, referenceRounds, ReferenceSummary, Target } from './reference-rounds';
import { mallCreate, mallOk, notifyOk, partnerOk, partnerPay, signedNotifies } from './requests';
import { ColdStart, formatColdStart, measureColdStart } from './start';

interface Sizes {
  buyers: number;
  warmup: number;
  balancePays: number;
  hotWalletPays: number;
  mallCreates: number;
  alipayOrders: number;
  goodsPerStore: number;
  members: number;
}

const FULL: Sizes = { buyers: 1000, warmup: 500, balancePays: 20_000, hotWalletPays: 5_000, mallCreates: 10_000, alipayOrders: 5_000, goodsPerStore: 20, members: 200 };
const QUICK: Sizes = { buyers: 100, warmup: 150, balancePays: 2_500, hotWalletPays: 800, mallCreates: 1_000, alipayOrders: 800, goodsPerStore: 10, members: 50 };

/** pay: many wallets; hot: one wallet; mall: create with three stores; alipay: pay by Alipay, then its notifies. */
const SCENARIOS = ['pay', 'hot', 'mall', 'alipay'];

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

const log = (line: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function machine() {
  const mariadb = (() => {
    try {
      return execSync('mysql --version', { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return { nproc: cpus().length, cpu: model.trim(), memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, database: mariadb };
}

/** The machine's load average when the run began (other work on the machine skews every figure). */
const LOAD_BEFORE = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function main(argv: string[]): Promise<number> {
  log(`load average ${LOAD_BEFORE} (1, 5, 15 min) on ${cpus().length} cores`);
  const quick = argv.includes('--quick');
  const reference = argv.includes('--reference');
  const sizes = quick ? QUICK : FULL;
  const connections = Number(option(argv, 'connections') ?? 50);
  const instances = Number(option(argv, 'instances') ?? 1);
  if (!Number.isInteger(instances) || instances < 1) throw new Error('--instances takes a whole number from 1');
  const pool = option(argv, 'pool');
  const scenarios = reference ? REFERENCE_SCENARIOS : SCENARIOS;
  const only = new Set((option(argv, 'only') ?? scenarios.join(',')).split(','));
  const unknown = [...only].filter((name) => !scenarios.includes(name));
  if (unknown.length) throw new Error(`--only takes ${scenarios.join(', ')}${reference ? ' with --reference' : ''}; not ${unknown.join(', ')}`);
  const serverUrl = process.env.BENCH_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306';
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  const profilesDir = join(resultsDir, 'profiles');
  mkdirSync(resultsDir, { recursive: true });
  const perf = argv.includes('--perf');
  if (perf) {
    if (!perfAvailable()) throw new Error('--perf needs Linux perf (Debian: linux-perf) allowed to record cpu-clock');
    mkdirSync(profilesDir, { recursive: true });
  }

  if (!argv.includes('--no-build')) {
    log('npm run build');
    execSync('npm run build', { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  let coldStart: ColdStart | undefined;
  if (reference) {
    // Before anything else runs: the built service on a fresh SQLite database, spawn to /health 200.
    coldStart = await measureColdStart(quick ? 1 : 3, quick ? 1000 : 3000);
    log(formatColdStart(coldStart));
  }

  const server = parseMysqlServer(serverUrl);
  const db = await scratchDatabase(server, 'ops_bench');
  log(`scratch database ${db.name}`);
  // Several instances share the database and the data directory (so the Alipay sandbox keys): the first migrates,
  // loads the demo data and writes the keys; the others start once it is up.
  const serviceOptions: ServiceOptions = {
    databaseUrl: db.url,
    // The bench measures throughput at the connections it is given, so nothing is shed (the flood test covers that).
    env: { ...BENCH_SERVICE_ENV, ...(pool ? { DB_POOL_SIZE: pool } : {}), MAX_IN_FLIGHT: String(Math.max(64, connections)) },
    nodeArgs: [...(argv.includes('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${profilesDir}`] : []), ...(perf ? PERF_NODE_ARGS : [])],
  };
  const services: ServiceProcess[] = [];
  try {
    services.push(await startService(serviceOptions));
    while (services.length < instances) services.push(await startService({ ...serviceOptions, dataDir: services[0].dataDir }));
  } catch (error) {
    await Promise.all(services.map((s) => s.stop()));
    await db.drop();
    throw error;
  }
  const [service] = services;
  const baseUrls = services.map((s) => s.baseUrl);
  const servicePids = services.map((s) => s.child.pid);
  const serviceCpu = () => {
    const each = servicePids.map((pid) => cpuSeconds(pid));
    return each.includes(null) ? null : (each as number[]).reduce((a, b) => a + b, 0);
  };
  log(`service pid ${servicePids.join(', ')} on ${baseUrls.join(', ')} (${connections} connections${pool ? `, pool ${pool}` : ''})`);

  const stats: LoadStats[] = [];
  let invariants: Invariant[] = [];
  let summary: ReferenceSummary | undefined;
  const conn = await connectMysql(server, db.name);
  try {
    const fixtures = await loadFixtures(
      service.baseUrl,
      { buyers: sizes.buyers, buyerBalanceYuan: 100_000, hotBalanceYuan: 10_000_000, goodsPerStore: sizes.goodsPerStore, members: sizes.members },
      log,
    );
    const { buyers } = fixtures;
    const base = { baseUrl: baseUrls, connections };
    const databasePid = ['127.0.0.1', 'localhost', '::1'].includes(server.host) ? databaseServerPid(server.port) : undefined;
    log(databasePid ? `database server pid ${databasePid} (its CPU counts)` : 'database server not found on this machine: no database CPU per request');
    const rss = new RssSampler(servicePids.filter((pid): pid is number => pid !== undefined));
    /**
     * One measured load: CPU per request of the process(es) under load (`target`: the service unless given), of the
     * local database server and of this load generator; the service's peak resident memory while it ran; and the
     * stretch of time it took (CLOCK_MONOTONIC µs, as the service's CPU profile counts it: `npm run bench:profile`).
     */
    const measure = async (s: LoadOptions, target: () => number | null = serviceCpu) => {
      log(`${s.name}: ${s.amount === undefined ? `${s.seconds} s` : `${s.amount} requests${s.seconds === undefined ? '' : ` (at most ${s.seconds} s)`}`}`);
      const sampling = target === serviceCpu;
      let before = { target: target(), database: cpuSeconds(databasePid), load: cpuSeconds(process.pid) };
      let startUs = 0;
      let recording: PerfRecording | undefined;
      const result = await runLoad({
        ...s,
        onStart: () => {
          // After the requests are built and signed: the readings cover the load alone.
          before = { target: target(), database: cpuSeconds(databasePid), load: cpuSeconds(process.pid) };
          startUs = Number(process.hrtime.bigint() / 1000n);
          if (sampling) rss.start();
          if (sampling && perf) recording = startPerf(servicePids as number[], profilesDir, s.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''));
        },
      }).catch(async (error: unknown) => {
        await recording?.abort();
        throw error;
      });
      result.monotonicUs = [startUs, Number(process.hrtime.bigint() / 1000n)];
      const rssPeak = sampling ? rss.stop() : null;
      const perRequest = (now: number | null, then: number | null) => (now === null || then === null ? null : round(((now - then) * 1000) / result.requests, 2));
      result.cpuMsPerRequest = {
        service: perRequest(target(), before.target) ?? 0,
        database: perRequest(cpuSeconds(databasePid), before.database),
        loadGenerator: perRequest(cpuSeconds(process.pid), before.load),
      };
      if (rssPeak !== null) result.rssPeakMiB = rssPeak;
      if (recording) log(`on-CPU profile: ${await recording.finish({ name: result.name, requests: result.requests, serviceCpuMsPerRequest: result.cpuMsPerRequest.service })}`);
      log(formatStats(result));
      if (result.builtDuringLoad) log(`  (${result.builtDuringLoad} requests were built during the load: the prebuilt ones ran out)`);
      stats.push(result);
      return result;
    };
    const warm = (s: LoadOptions) => runLoad({ ...s, progress: false });

    const accepted = { balancePays: 0, hotWalletPays: 0, mallCreates: 0, alipayOrders: 0, notifies: 0 };

    if (reference) {
      summary = await referenceRounds({ argv, quick, log, only, server, conn, service, baseUrls, connections, fixtures, accepted, measure, warm });
    }

    if (!reference && only.has('pay')) {
      await warm({ ...base, name: 'warm-up pay', path: '/app/partner/order/pay', amount: sizes.warmup, build: (n) => partnerPay(buyers[n % buyers.length], 1, `w${n}`), check: partnerOk }).then((w) => (accepted.balancePays += w.ok));
      const a = await measure({ ...base, name: 'partner pay by balance (many wallets)', path: '/app/partner/order/pay', amount: sizes.balancePays, build: (n) => partnerPay(buyers[n % buyers.length], 1, `a${n}`), check: partnerOk });
      accepted.balancePays += a.ok;
    }
    if (!reference && only.has('hot')) {
      const b = await measure({ ...base, name: 'partner pay by balance (one wallet)', path: '/app/partner/order/pay', amount: sizes.hotWalletPays, build: (n) => partnerPay(fixtures.hotBuyer, 1, `b${n}`), check: partnerOk });
      accepted.hotWalletPays += b.ok;
    }
    if (!reference && only.has('mall')) {
      await warm({ ...base, name: 'warm-up mall', path: '/order/create', amount: sizes.warmup, build: (n) => mallCreate(fixtures, n), check: mallOk }).then((w) => (accepted.mallCreates += w.ok));
      const c = await measure({ ...base, name: 'mall create (three stores)', path: '/order/create', amount: sizes.mallCreates, build: (n) => mallCreate(fixtures, sizes.warmup + n), check: mallOk });
      accepted.mallCreates += c.ok;
    }
    if (!reference && only.has('alipay')) {
      const p = await measure({ ...base, name: 'partner pay by Alipay (pay URL)', path: '/app/partner/order/pay', amount: sizes.alipayOrders, build: (n) => partnerPay(buyers[n % buyers.length], 2, `p${n}`), check: partnerOk });
      accepted.alipayOrders += p.ok;
      const pending = await pendingBenchPayments(conn, sizes.alipayOrders);
      log(`signing ${pending.length} Alipay notifies`);
      const notifies = signedNotifies(service.dataDir, pending);
      const d = await measure({ ...base, name: 'Alipay notify (TRADE_SUCCESS)', path: '/payments/alipay/notify', amount: notifies.length, build: (n) => notifies[n], check: notifyOk });
      accepted.notifies += d.ok - d.badBodies;
    }

    log('checking invariants');
    invariants = [...(await checkInvariants(conn, fixtures, accepted)), ...(summary?.invariants ?? [])];
    await reportOrderNumberCollisions(baseUrls, conn);
  } finally {
    await conn.end();
    await Promise.all(services.map((s) => s.stop()));
    if (perf) removePerfMaps(servicePids as number[]);
    if (argv.includes('--keep-db')) log(`kept database ${db.name}`);
    else await db.drop();
    removeDataDir(service.dataDir);
  }

  for (const inv of invariants) log(`${inv.ok ? 'ok  ' : 'FAIL'} ${inv.name} — ${inv.detail}`);
  const byName = (prefix: string) => stats.find((s) => s.name.startsWith(prefix));
  const targets: Target[] = summary ? summary.targets : [];
  if (coldStart) targets.push({ scenario: 'cold start', requirement: `≤ 1.5 s (median ${coldStart.medianReadyMs} ms of ${coldStart.runs})`, met: coldStart.medianReadyMs <= 1500 });
  const pay = reference ? undefined : byName('partner pay by balance (many');
  if (pay) targets.push({ scenario: pay.name, requirement: '≥ 500 req/s, p99 < 100 ms', met: pay.requestsPerSecond >= 500 && pay.latencyMs.p99 < 100 });
  const mall = reference ? undefined : byName('mall create');
  if (mall) targets.push({ scenario: mall.name, requirement: '≥ 250 req/s', met: mall.requestsPerSecond >= 250 });
  for (const t of targets) log(`target ${t.met ? 'met   ' : 'MISSED'} ${t.scenario}: ${t.requirement}`);

  const report = {
    date: new Date().toISOString(),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    machine: machine(),
    mode: `${quick ? 'quick' : 'full'}${reference ? ', against the raw reference' : ''}`,
    loadBefore: LOAD_BEFORE,
    connections,
    instances,
    poolSize: pool ? Number(pool) : 'default',
    ...(summary ? { reference: summary.report } : {}),
    ...(coldStart ? { coldStart } : {}),
    scenarios: stats,
    targets,
    invariants,
  };
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(`results written to bench/results/latest.json`);
  console.log('\n| scenario | requests | req/s | p50 ms | p99 ms | non-2xx | errors | CPU ms/req server + db (+ load generator) |\n|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of stats) {
    const cpu = s.cpuMsPerRequest ? `${s.cpuMsPerRequest.service} + ${s.cpuMsPerRequest.database ?? '?'} (+ ${s.cpuMsPerRequest.loadGenerator ?? '?'})` : '';
    console.log(`| ${s.name} | ${s.requests} | ${s.requestsPerSecond} | ${s.latencyMs.p50} | ${s.latencyMs.p99} | ${s.non2xx} | ${s.errors} | ${cpu} |`);
  }
  if (summary) console.log(`\n${summary.table}`);
  if (coldStart) console.log(`\n${formatColdStart(coldStart)}`);
  console.log(`\nload average before the run: ${LOAD_BEFORE}`);
  // The raw reference's own refusals (a 503 on a deadlock) are its business: they are shown, not counted.
  const ours = stats.filter((s) => !s.name.startsWith('raw reference'));
  const failed = invariants.filter((i) => !i.ok).length + ours.reduce((n, s) => n + s.errors + s.non2xx + s.badBodies, 0);
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

/** Partner order numbers that another instance had taken in the same millisecond, per 10,000 partner orders. */
async function reportOrderNumberCollisions(baseUrls: string[], conn: { query(sql: string): Promise<unknown> }): Promise<void> {
  let collisions = 0;
  for (const url of baseUrls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    collisions += Number(/^partner_order_number_collisions_total (\d+)/m.exec(text)?.[1] ?? 0);
  }
  const [rows] = (await conn.query('SELECT COUNT(*) AS n FROM partner_orders')) as [Array<{ n: number | string }>];
  const orders = Number(rows[0].n);
  log(`order numbers: ${collisions} collisions in ${orders} partner orders over ${baseUrls.length} instance(s), ${((collisions * 10_000) / Math.max(orders, 1)).toFixed(1)} per 10,000`);
}
