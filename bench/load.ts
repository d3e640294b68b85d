import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadRequest {
  body: string;
  contentType: string;
}

export interface LoadOptions {
  name: string;
  baseUrl: string;
  path: string;
  connections: number;
  /** Exactly this many requests, so every response (and every effect) is counted. */
  amount: number;
  /** The n-th request (0-based); every call must produce a unique, correctly signed request. All are built before the load starts. */
  build: (n: number) => LoadRequest;
  /** Sees every response; returns false when the body is not what a success must look like. */
  check?: (status: number, body: string) => boolean;
  /** Printed while running; false for warm-ups. */
  progress?: boolean;
}

export interface LoadStats {
  name: string;
  connections: number;
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx responses whose body `check` refused. */
  badBodies: number;
  statusCodes: Record<string, number>;
  /** CPU time per request of the service process, of the local database server (if found) and of this load generator, in ms. */
  cpuMsPerRequest?: { service: number; database: number | null; loadGenerator?: number | null };
}

const REQUEST_TIMEOUT_SECONDS = 20;

/** Runs `amount` requests over `connections` keep-alive connections and summarises them. */
export async function runLoad(options: LoadOptions): Promise<LoadStats> {
  // Built and signed before the clock starts, so the load generator's own CPU (it shares the machine's cores with
  // the service and the database) is spent on sending, not on signing. Timestamps stay well inside the window.
  const prebuilt = Array.from({ length: options.amount }, (_, n) => options.build(n));
  let next = 0;
  let badBodies = 0;
  let done = 0;
  const started = process.hrtime.bigint();
  const instance = autocannon({
    url: options.baseUrl,
    connections: Math.min(options.connections, options.amount),
    amount: options.amount,
    timeout: REQUEST_TIMEOUT_SECONDS,
    requests: [
      {
        method: 'POST',
        path: options.path,
        setupRequest: (req) => {
          const n = next++;
          const { body, contentType } = prebuilt[n] ?? options.build(n);
          return { ...req, body, headers: { ...req.headers, 'content-type': contentType } };
        },
        onResponse: (status, body) => {
          if (status >= 200 && status < 300 && options.check && !options.check(status, body)) badBodies++;
        },
      },
    ],
  });
  instance.on('response', () => {
    done++;
  });
  const ticker = options.progress === false
    ? undefined
    : setInterval(() => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        process.stdout.write(`  ${options.name}: ${done}/${options.amount} (${Math.round(done / seconds)} req/s)\n`);
      }, 5000);
  const result = await instance;
  if (ticker) clearInterval(ticker);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]));
  return {
    name: options.name,
    connections: options.connections,
    requests: result.requests.total,
    durationSeconds: round(seconds, 2),
    requestsPerSecond: round(result.requests.total / seconds, 1),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: round(result.latency.mean, 1) },
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    badBodies,
    statusCodes,
  };
}

export function formatStats(s: LoadStats): string {
  const problems = s.non2xx + s.errors + s.badBodies;
  return (
    `${s.name}: ${s.requests} requests in ${s.durationSeconds}s = ${s.requestsPerSecond} req/s, ` +
    `p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms, ` +
    `2xx ${s.ok}, non-2xx ${s.non2xx}, errors ${s.errors} (timeouts ${s.timeouts}), bad bodies ${s.badBodies}` +
    (s.cpuMsPerRequest
      ? `, CPU per request: service ${s.cpuMsPerRequest.service} ms, database ${s.cpuMsPerRequest.database ?? '?'} ms, load generator ${s.cpuMsPerRequest.loadGenerator ?? '?'} ms`
      : '') +
    (problems ? ` statuses ${JSON.stringify(s.statusCodes)}` : '')
  );
}

/** User + system CPU seconds a process has used so far (Linux), or null when it cannot be read. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // utime and stime are fields 14 and 15 of the full line, in clock ticks (100 per second on Linux)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
