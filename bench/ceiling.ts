/**
 * `npm run bench:ceiling [-- --rounds 3] [--round-seconds 10] [--no-build]`: what the partner pay's SQL alone allows.
 *
 * Three servers on the same MariaDB take turns under the same load (50 connections, a fresh request each time):
 * the raw reference (`../shared/bench-ref/server.js`: one ledger insert, one conditional update), the raw pay
 * (bench/raw-pay-server.ts: node:http + mysql2 sending exactly the seven statements of one service pay by balance),
 * and the service's own partner pay by balance. Raw pay ÷ reference is the ceiling of the service's ratio on this
 * machine: no code around those statements, however cheap, can do better. Service ÷ raw pay is what the code around
 * the SQL (HTTP, Nest, validation, signature, ORM, answer) costs. Prints req/s, ratios and the CPU per request of
 * each server and of MariaDB.
 */
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, parseMysqlServer, REPO_ROOT, scratchDatabase, startService } from '../test/support/service-process';
import { BENCH_PACK, BENCH_SERVICE_ENV, loadFixtures } from './fixtures';
import { cpuSeconds, GetRequest, LoadRequest, runLoad } from './load';
import { databaseServerPid } from './proc';
import { referenceDir, referenceOk, referencePay, startReference } from './reference';
import { partnerOk, partnerPay, RUN_ID } from './requests';

const CONNECTIONS = 50;

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

interface Contender {
  label: string;
  baseUrl: string;
  path: string;
  pid: () => number;
  build: (n: number) => LoadRequest | GetRequest;
  check: (status: number, body: string) => boolean;
  requests: number;
  seconds: number;
  serverMs: number;
  databaseMs: number;
}

async function startRawPay(databaseUrl: string): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'raw-pay-server.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl.replace(/^mariadb:/, 'mysql:'), PORT: String(port), PACK_ID: BENCH_PACK.id, POOL: '20' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`raw pay server exited with ${code}`)));
  });
  return { child, baseUrl: `http://127.0.0.1:${port}` };
}

async function main(argv: string[]): Promise<void> {
  const rounds = option(argv, 'rounds', 3);
  const seconds = option(argv, 'round-seconds', 10);
  if (!argv.includes('--no-build')) execSync('npm run build', { cwd: REPO_ROOT, stdio: 'ignore' });
  const server = parseMysqlServer(process.env.BENCH_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306');
  const databasePid = databaseServerPid(server.port);
  if (!databasePid) throw new Error(`no local database server found on port ${server.port}`);
  const log = (line: string) => console.log(`[ceiling ${new Date().toISOString().slice(11, 19)}] ${line}`);

  const db = await scratchDatabase(server, 'ops_ceiling');
  const service = await startService({ databaseUrl: db.url, env: { ...BENCH_SERVICE_ENV, MAX_IN_FLIGHT: '1000' } });
  const reference = await startReference(server, referenceDir());
  let raw: { child: ChildProcess; baseUrl: string } | undefined;
  try {
    const fixtures = await loadFixtures(service.baseUrl, { buyers: 100, buyerBalanceYuan: 1_000_000, hotBalanceYuan: 1, goodsPerStore: 1, members: 1 }, log);
    raw = await startRawPay(db.url);
    const rawPid = raw.child.pid!;
    const buyers = fixtures.buyers;
    const measured = { requests: 0, seconds: 0, serverMs: 0, databaseMs: 0 };
    const contenders: Contender[] = [
      { label: 'raw reference (ledger insert + conditional update)', baseUrl: reference.baseUrl, path: '/', pid: () => reference.pid, build: (n: number) => referencePay('ceiling', n), check: referenceOk, ...measured },
      { label: 'raw pay (the pay’s 7 statements, node:http + mysql2)', baseUrl: raw.baseUrl, path: '/', pid: () => rawPid, build: (n: number): GetRequest => ({ method: 'GET', path: `/?b=${n % buyers.length}&req=${RUN_ID}-${n}` }), check: referenceOk, ...measured },
      { label: 'service partner pay by balance', baseUrl: service.baseUrl, path: '/app/partner/order/pay', pid: () => service.child.pid!, build: (n: number) => partnerPay(buyers[n % buyers.length], 1, `ceil${n}`), check: partnerOk, ...measured },
    ];

    const sent = new Map<Contender, number>();
    // Round 0 warms every server up (JIT, pools, buffer pool) and is not counted.
    for (let r = 0; r <= rounds; r++) {
      for (const c of contenders) {
        const offset = sent.get(c) ?? 0;
        const before = { server: 0, database: 0 };
        const stats = await runLoad({
          name: c.label,
          baseUrl: c.baseUrl,
          path: c.path,
          connections: CONNECTIONS,
          seconds: r === 0 ? 2 : seconds,
          prebuild: 8000,
          build: (n) => c.build(offset + n),
          check: c.check,
          progress: false,
          onStart: () => {
            before.server = cpuSeconds(c.pid())!;
            before.database = cpuSeconds(databasePid)!;
          },
        });
        sent.set(c, offset + stats.requests);
        if (stats.non2xx || stats.errors || stats.badBodies) throw new Error(`${c.label}: ${JSON.stringify(stats.statusCodes)}, ${stats.errors} errors, ${stats.badBodies} bad bodies`);
        if (r === 0) continue;
        c.requests += stats.requests;
        c.seconds += stats.durationSeconds;
        c.serverMs += (cpuSeconds(c.pid())! - before.server) * 1000;
        c.databaseMs += (cpuSeconds(databasePid)! - before.database) * 1000;
        log(`round ${r}/${rounds} ${c.label}: ${stats.requestsPerSecond.toFixed(0)} req/s, p99 ${stats.latencyMs.p99} ms`);
      }
    }

    const rate = (c: Contender) => c.requests / c.seconds;
    const [ref, rawPay, svc] = contenders;
    console.log(`\n| ${rounds} rounds of ${seconds} s, ${CONNECTIONS} connections | req/s | ÷ raw reference | CPU ms/request: server + MariaDB |`);
    console.log('|---|---:|---:|---:|');
    for (const c of contenders) {
      console.log(`| ${c.label} | ${rate(c).toFixed(0)} | ${(rate(c) / rate(ref)).toFixed(2)}× | ${(c.serverMs / c.requests).toFixed(2)} + ${(c.databaseMs / c.requests).toFixed(2)} |`);
    }
    console.log(`\nservice ÷ raw pay: ${(rate(svc) / rate(rawPay)).toFixed(2)}× (the code around the SQL); raw pay ÷ raw reference: ${(rate(rawPay) / rate(ref)).toFixed(2)}× (the SQL)`);
    console.log(`load average: ${execSync('cat /proc/loadavg', { encoding: 'utf8' }).trim()}`);
  } finally {
    raw?.child.kill('SIGTERM');
    await service.stop();
    await reference.stop();
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
