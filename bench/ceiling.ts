/**
 * `npm run bench:ceiling [-- --scenario pay|mall|notify] [--rounds 3] [--round-seconds 10] [--no-build]`: what a
 * request's SQL alone allows.
 *
 * Three servers on the same MariaDB take turns under the same load (50 connections, a fresh request each time): the raw
 * reference (`../shared/bench-ref/server.js`: one ledger insert, one conditional update), a raw server of the scenario
 * (node:http + mysql2 sending exactly the statements of one service request: raw-pay-server.ts, raw-mall-server.ts,
 * raw-notify-server.ts), and the service itself, loaded with the request the main bench sends (ceiling-scenarios.ts):
 * `pay` a partner pay by balance (the default), `mall` a mall create of three stores, `notify` an Alipay TRADE_SUCCESS
 * notify of a partner order. Raw ÷ reference is the ceiling of the service's ratio on this machine: no code around
 * those statements, however cheap, can do better. Service ÷ raw is what the code around the SQL (HTTP, Nest,
 * validation, signature, ORM, answer) costs. Prints req/s, ratios and the CPU per request of each server and of
 * MariaDB.
 *
 * Notifies each need a pending payment of their own: before each round, `notify` pays enough partner orders by Alipay
 * through the service for the raw server and the service apart (not measured; a few minutes for a default run).
 */
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { connectMysql, freePort, parseMysqlServer, REPO_ROOT, scratchDatabase, startService } from '../test/support/service-process';
import { CEILING_SCENARIOS, CeilingScenario, Requests, ScenarioName, SCENARIOS } from './ceiling-scenarios';
import { BENCH_SERVICE_ENV, loadFixtures } from './fixtures';
import { cpuSeconds, runLoad } from './load';
import { databaseServerPid } from './proc';
import { referenceDir, referenceOk, referencePay, startReference } from './reference';

const CONNECTIONS = 50;
const WARM_UP_SECONDS = 2;
/** Requests built before a round (more are built while it runs if it needs them). */
const PREBUILD = 8000;
/**
 * Requests that use something up are made before each round for twice the best rate seen, and at least this many a
 * second (a counted round runs well above its warm-up's rate); leftovers serve the next round.
 */
const SUPPLY_RATE_FLOOR = 500;
const SUPPLY_MARGIN = 2;

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

interface Contender extends Requests {
  label: string;
  baseUrl: string;
  path: string;
  pid: () => number;
  check: (status: number, body: string) => boolean;
  sent: number;
  bestRate: number;
  requests: number;
  seconds: number;
  serverMs: number;
  databaseMs: number;
}

async function startRaw(scenario: CeilingScenario, databaseUrl: string): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, scenario.rawServer)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...scenario.rawEnv, DATABASE_URL: databaseUrl.replace(/^mariadb:/, 'mysql:'), PORT: String(port), POOL: '20' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`${scenario.rawServer} exited with ${code}`)));
  });
  return { child, baseUrl: `http://127.0.0.1:${port}` };
}

/**
 * Round 0 warms every server up (JIT, pools, buffer pool) and is not counted; then `rounds` rounds of `seconds`, each
 * contender in turn. Adds each counted round's requests, time and CPU to its contender. What a round uses up is made
 * before the round starts, not between the contenders' turns (where it would weigh on the next contender alone).
 */
async function runRounds(contenders: Contender[], rounds: number, seconds: number, databasePid: number, log: (line: string) => void): Promise<void> {
  for (let r = 0; r <= rounds; r++) {
    const roundSeconds = r === 0 ? WARM_UP_SECONDS : seconds;
    const supplies = new Map<Contender, number>();
    for (const c of contenders) {
      if (!c.ensure) continue;
      const supply = Math.ceil(Math.max(c.bestRate, SUPPLY_RATE_FLOOR) * roundSeconds * SUPPLY_MARGIN) + CONNECTIONS;
      await c.ensure(c.sent + supply);
      supplies.set(c, supply);
    }
    for (const c of contenders) {
      const supply = supplies.get(c);
      const offset = c.sent;
      const before = { server: 0, database: 0 };
      const stats = await runLoad({
        name: c.label,
        baseUrl: c.baseUrl,
        path: c.path,
        connections: CONNECTIONS,
        seconds: roundSeconds,
        amount: supply,
        prebuild: supply ?? PREBUILD,
        build: (n) => c.build(offset + n),
        check: c.check,
        progress: false,
        onStart: () => {
          before.server = cpuSeconds(c.pid())!;
          before.database = cpuSeconds(databasePid)!;
        },
      });
      c.sent += stats.requests;
      c.bestRate = Math.max(c.bestRate, stats.requestsPerSecond);
      if (stats.non2xx || stats.errors || stats.badBodies) throw new Error(`${c.label}: ${JSON.stringify(stats.statusCodes)}, ${stats.errors} errors, ${stats.badBodies} bad bodies`);
      if (r === 0) continue;
      c.requests += stats.requests;
      c.seconds += stats.durationSeconds;
      c.serverMs += (cpuSeconds(c.pid())! - before.server) * 1000;
      c.databaseMs += (cpuSeconds(databasePid)! - before.database) * 1000;
      const short = stats.requests === supply ? ` (used up its ${supply} prepared requests before ${roundSeconds} s)` : '';
      log(`round ${r}/${rounds} ${c.label}: ${stats.requestsPerSecond.toFixed(0)} req/s, p99 ${stats.latencyMs.p99} ms${short}`);
    }
  }
}

function printTable(contenders: Contender[], scenario: CeilingScenario, rounds: number, seconds: number): void {
  const rate = (c: Contender) => c.requests / c.seconds;
  const [ref, raw, svc] = contenders;
  console.log(`\n| ${rounds} rounds of ${seconds} s, ${CONNECTIONS} connections | req/s | ÷ raw reference | CPU ms/request: server + MariaDB |`);
  console.log('|---|---:|---:|---:|');
  for (const c of contenders) {
    console.log(`| ${c.label} | ${rate(c).toFixed(0)} | ${(rate(c) / rate(ref)).toFixed(2)}× | ${(c.serverMs / c.requests).toFixed(2)} + ${(c.databaseMs / c.requests).toFixed(2)} |`);
  }
  const name = scenario.name;
  console.log(`\nservice ÷ raw ${name}: ${(rate(svc) / rate(raw)).toFixed(2)}× (the code around the SQL); raw ${name} ÷ raw reference: ${(rate(raw) / rate(ref)).toFixed(2)}× (the SQL)`);
  console.log(`load average: ${execSync('cat /proc/loadavg', { encoding: 'utf8' }).trim()}`);
}

async function main(argv: string[]): Promise<void> {
  const name = (option(argv, 'scenario') ?? 'pay') as ScenarioName;
  const rounds = Number(option(argv, 'rounds') ?? 3);
  const seconds = Number(option(argv, 'round-seconds') ?? 10);
  if (!SCENARIOS.includes(name)) throw new Error(`--scenario takes ${SCENARIOS.join(', ')}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number from 1');
  if (!(seconds > 0)) throw new Error('--round-seconds takes a positive number');
  const scenario = CEILING_SCENARIOS[name];
  if (!argv.includes('--no-build')) execSync('npm run build', { cwd: REPO_ROOT, stdio: 'ignore' });
  const server = parseMysqlServer(process.env.BENCH_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306');
  const databasePid = databaseServerPid(server.port);
  if (!databasePid) throw new Error(`no local database server found on port ${server.port}`);
  const log = (line: string) => console.log(`[ceiling ${new Date().toISOString().slice(11, 19)}] ${line}`);

  const db = await scratchDatabase(server, 'ops_ceiling');
  const conn = await connectMysql(server, db.name);
  const service = await startService({ databaseUrl: db.url, env: { ...BENCH_SERVICE_ENV, MAX_IN_FLIGHT: '1000' } });
  const reference = await startReference(server, referenceDir());
  let raw: { child: ChildProcess; baseUrl: string } | undefined;
  try {
    const fixtures = await loadFixtures(service.baseUrl, scenario.fixtures, log);
    raw = await startRaw(scenario, db.url);
    const rawPid = raw.child.pid!;
    const requests = scenario.requests({ service, conn, fixtures, log });
    const tally = { sent: 0, bestRate: 0, requests: 0, seconds: 0, serverMs: 0, databaseMs: 0 };
    const contenders: Contender[] = [
      { label: 'raw reference (ledger insert + conditional update)', baseUrl: reference.baseUrl, path: '/', pid: () => reference.pid, build: (n) => referencePay('ceiling', n), check: referenceOk, ...tally },
      { label: `raw ${scenario.name} (the ${scenario.name}’s ${scenario.statements} statements, node:http + mysql2)`, baseUrl: raw.baseUrl, path: '/', pid: () => rawPid, check: referenceOk, ...requests.raw, ...tally },
      { label: scenario.serviceLabel, baseUrl: service.baseUrl, path: scenario.servicePath, pid: () => service.child.pid!, check: scenario.serviceCheck, ...requests.service, ...tally },
    ];
    await runRounds(contenders, rounds, seconds, databasePid, log);
    printTable(contenders, scenario, rounds, seconds);
  } finally {
    raw?.child.kill('SIGTERM');
    await service.stop();
    await reference.stop();
    await conn.end();
    await db.drop();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
