/**
 * `npm run bench:start [-- --runs 5] [--no-build]`: cold start and idle memory of the built service.
 *
 * Each run spawns `node dist/main.js` on a fresh, empty SQLite database in a new temporary directory (so it migrates
 * and loads the demo data, as a first `npm start` does), and measures the time from the spawn to the first 200 of
 * `GET /health` (polled every 10 ms), then, after 3 s without requests, its resident memory (VmRSS). The medians of
 * the runs are printed. `npm run bench -- --reference` takes the same measurement (3 runs; 1 run, 1 s, with `--quick`).
 */
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from '../test/support/service-process';
import { rssMiB } from './proc';

export interface ColdStart {
  runs: number;
  /** Spawn to the first `/health` 200, each run, in ms. */
  readyMs: number[];
  medianReadyMs: number;
  /** Resident memory `settleMs` after the start, without requests, each run, in MiB. */
  idleRssMiB: number[];
  settleMs: number;
  medianIdleRssMiB: number;
}

const POLL_MS = 10;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

function healthStatus(port: number): Promise<number> {
  return new Promise((resolveStatus) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    req.on('error', () => resolveStatus(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** One cold start: spawn → first `/health` 200, then the idle resident memory. */
async function coldStartOnce(entry: string, settleMs: number): Promise<{ readyMs: number; idleRssMiB: number | null }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ops-coldstart-'));
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [entry], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      DB_TYPE: 'sqlite',
      SQLITE_PATH: join(dataDir, 'app.sqlite'),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the service exited during start:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`the service did not answer /health 200 within 60 s:\n${stderr}`);
      if ((await healthStatus(port)) === 200) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const readyMs = Number(process.hrtime.bigint() - started) / 1e6;
    await new Promise((r) => setTimeout(r, settleMs));
    return { readyMs: Math.round(readyMs), idleRssMiB: rssMiB(child.pid) };
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * `runs` cold starts of the built service (`dist/main.js` unless `entry`), one after the other; the idle memory is read
 * `settleMs` after each start.
 */
export async function measureColdStart(runs: number, settleMs = 3000, entry = join(REPO_ROOT, 'dist', 'main.js')): Promise<ColdStart> {
  const readyMs: number[] = [];
  const idleRssMiB: number[] = [];
  for (let i = 0; i < runs; i++) {
    const once = await coldStartOnce(entry, settleMs);
    readyMs.push(once.readyMs);
    if (once.idleRssMiB !== null) idleRssMiB.push(once.idleRssMiB);
  }
  return { runs, settleMs, readyMs, medianReadyMs: median(readyMs), idleRssMiB, medianIdleRssMiB: idleRssMiB.length ? median(idleRssMiB) : NaN };
}

export function formatColdStart(c: ColdStart): string {
  return `cold start (fresh SQLite database, spawn → /health 200): median ${c.medianReadyMs} ms of ${c.runs} (${c.readyMs.join(', ')} ms); idle RSS (${c.settleMs / 1000} s after) median ${c.medianIdleRssMiB} MiB (${c.idleRssMiB.join(', ')})`;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--runs');
  const runs = i >= 0 ? Number(argv[i + 1]) : 5;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number from 1');
  if (!argv.includes('--no-build')) execSync('npm run build', { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  measureColdStart(runs).then(
    (c) => {
      console.log(formatColdStart(c));
      process.exit(0);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
