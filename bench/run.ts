/**
 * `npm run bench [-- --quick] [--only pay,hot,mall,alipay] [--connections 50] [--instances 1] [--pool 20] [--cpu-prof] [--keep-db] [--no-build]`
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
import { loadFixtures } from './fixtures';
import { checkInvariants, Invariant, pendingBenchPayments } from './invariants';
import { cpuSeconds, formatStats, LoadStats, round, runLoad } from './load';
import { mallCreate, mallOk, notifyOk, partnerOk, partnerPay, signedNotifies } from './requests';

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

interface Target {
  scenario: string;
  requirement: string;
  met: boolean;
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

const log = (line: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** The MariaDB/MySQL server's pid when it runs on this machine, to report its CPU per request. */
function localDatabasePid(): number | undefined {
  try {
    const pid = Number(execSync('pidof mariadbd || pidof mysqld', { encoding: 'utf8', shell: '/bin/bash' }).trim().split(' ')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

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

async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const sizes = quick ? QUICK : FULL;
  const connections = Number(option(argv, 'connections') ?? 50);
  const instances = Number(option(argv, 'instances') ?? 1);
  if (!Number.isInteger(instances) || instances < 1) throw new Error('--instances takes a whole number from 1');
  const pool = option(argv, 'pool');
  const only = new Set((option(argv, 'only') ?? SCENARIOS.join(',')).split(','));
  const unknown = [...only].filter((name) => !SCENARIOS.includes(name));
  if (unknown.length) throw new Error(`--only takes ${SCENARIOS.join(', ')}; not ${unknown.join(', ')}`);
  const serverUrl = process.env.BENCH_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306';
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });

  if (!argv.includes('--no-build')) {
    log('npm run build');
    execSync('npm run build', { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }

  const server = parseMysqlServer(serverUrl);
  const db = await scratchDatabase(server, 'ops_bench');
  log(`scratch database ${db.name}`);
  // Several instances share the database and the data directory (so the Alipay sandbox keys): the first migrates,
  // loads the demo data and writes the keys; the others start once it is up.
  const serviceOptions: ServiceOptions = {
    databaseUrl: db.url,
    // The bench measures throughput at the connections it is given, so nothing is shed (the flood test covers that).
    env: { ...(pool ? { DB_POOL_SIZE: pool } : {}), MAX_IN_FLIGHT: String(Math.max(64, connections)) },
    nodeArgs: argv.includes('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${join(resultsDir, 'profiles')}`] : [],
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
  const conn = await connectMysql(server, db.name);
  try {
    const fixtures = await loadFixtures(
      service.baseUrl,
      { buyers: sizes.buyers, buyerBalanceYuan: 100_000, hotBalanceYuan: 10_000_000, goodsPerStore: sizes.goodsPerStore, members: sizes.members },
      log,
    );
    const { buyers } = fixtures;
    const base = { baseUrl: baseUrls, connections };
    const databasePid = localDatabasePid();
    const measure = async (s: Parameters<typeof runLoad>[0]) => {
      log(`${s.name}: ${s.amount} requests`);
      const before = { service: serviceCpu(), database: cpuSeconds(databasePid), load: cpuSeconds(process.pid) };
      const result = await runLoad(s);
      const perRequest = (now: number | null, then: number | null) => (now === null || then === null ? null : round(((now - then) * 1000) / result.requests, 2));
      result.cpuMsPerRequest = {
        service: perRequest(serviceCpu(), before.service) ?? 0,
        database: perRequest(cpuSeconds(databasePid), before.database),
        loadGenerator: perRequest(cpuSeconds(process.pid), before.load),
      };
      log(formatStats(result));
      stats.push(result);
      return result;
    };
    const warm = (s: Parameters<typeof runLoad>[0]) => runLoad({ ...s, progress: false });

    const accepted = { balancePays: 0, hotWalletPays: 0, mallCreates: 0, alipayOrders: 0, notifies: 0 };

    if (only.has('pay')) {
      await warm({ ...base, name: 'warm-up pay', path: '/app/partner/order/pay', amount: sizes.warmup, build: (n) => partnerPay(buyers[n % buyers.length], 1, `w${n}`), check: partnerOk }).then((w) => (accepted.balancePays += w.ok));
      const a = await measure({ ...base, name: 'partner pay by balance (many wallets)', path: '/app/partner/order/pay', amount: sizes.balancePays, build: (n) => partnerPay(buyers[n % buyers.length], 1, `a${n}`), check: partnerOk });
      accepted.balancePays += a.ok;
    }
    if (only.has('hot')) {
      const b = await measure({ ...base, name: 'partner pay by balance (one wallet)', path: '/app/partner/order/pay', amount: sizes.hotWalletPays, build: (n) => partnerPay(fixtures.hotBuyer, 1, `b${n}`), check: partnerOk });
      accepted.hotWalletPays += b.ok;
    }
    if (only.has('mall')) {
      await warm({ ...base, name: 'warm-up mall', path: '/order/create', amount: sizes.warmup, build: (n) => mallCreate(fixtures, n), check: mallOk }).then((w) => (accepted.mallCreates += w.ok));
      const c = await measure({ ...base, name: 'mall create (three stores)', path: '/order/create', amount: sizes.mallCreates, build: (n) => mallCreate(fixtures, sizes.warmup + n), check: mallOk });
      accepted.mallCreates += c.ok;
    }
    if (only.has('alipay')) {
      const p = await measure({ ...base, name: 'partner pay by Alipay (pay URL)', path: '/app/partner/order/pay', amount: sizes.alipayOrders, build: (n) => partnerPay(buyers[n % buyers.length], 2, `p${n}`), check: partnerOk });
      accepted.alipayOrders += p.ok;
      const pending = await pendingBenchPayments(conn, sizes.alipayOrders);
      log(`signing ${pending.length} Alipay notifies`);
      const notifies = signedNotifies(service.dataDir, pending);
      const d = await measure({ ...base, name: 'Alipay notify (TRADE_SUCCESS)', path: '/payments/alipay/notify', amount: notifies.length, build: (n) => notifies[n], check: notifyOk });
      accepted.notifies += d.ok - d.badBodies;
    }

    log('checking invariants');
    invariants = await checkInvariants(conn, fixtures, accepted);
  } finally {
    await conn.end();
    await Promise.all(services.map((s) => s.stop()));
    if (argv.includes('--keep-db')) log(`kept database ${db.name}`);
    else await db.drop();
    removeDataDir(service.dataDir);
  }

  for (const inv of invariants) log(`${inv.ok ? 'ok  ' : 'FAIL'} ${inv.name} — ${inv.detail}`);
  const byName = (prefix: string) => stats.find((s) => s.name.startsWith(prefix));
  const targets: Target[] = [];
  const pay = byName('partner pay by balance (many');
  if (pay) targets.push({ scenario: pay.name, requirement: '≥ 500 req/s, p99 < 100 ms', met: pay.requestsPerSecond >= 500 && pay.latencyMs.p99 < 100 });
  const mall = byName('mall create');
  if (mall) targets.push({ scenario: mall.name, requirement: '≥ 250 req/s', met: mall.requestsPerSecond >= 250 });
  for (const t of targets) log(`target ${t.met ? 'met   ' : 'MISSED'} ${t.scenario}: ${t.requirement}`);

  const report = {
    date: new Date().toISOString(),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    machine: machine(),
    mode: quick ? 'quick' : 'full',
    connections,
    instances,
    poolSize: pool ? Number(pool) : 'default',
    scenarios: stats,
    targets,
    invariants,
  };
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(`results written to bench/results/latest.json`);
  console.log('\n| scenario | requests | req/s | p50 ms | p99 ms | non-2xx | errors | CPU ms/req service + db (+ load generator) |\n|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of stats) {
    const cpu = s.cpuMsPerRequest ? `${s.cpuMsPerRequest.service} + ${s.cpuMsPerRequest.database ?? '?'} (+ ${s.cpuMsPerRequest.loadGenerator ?? '?'})` : '';
    console.log(`| ${s.name} | ${s.requests} | ${s.requestsPerSecond} | ${s.latencyMs.p50} | ${s.latencyMs.p99} | ${s.non2xx} | ${s.errors} | ${cpu} |`);
  }
  const failed = invariants.filter((i) => !i.ok).length + stats.reduce((n, s) => n + s.errors + s.non2xx + s.badBodies, 0);
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
