import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadRequest {
  body: string;
  contentType: string;
}

export interface LoadOptions {
  name: string;
  /** One service instance, or several sharing one database: the load is split evenly across them. */
  baseUrl: string | string[];
  path: string;
  /** In all: split across the instances. */
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
  instances: number;
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  /** With several instances, each percentile is the highest of the instances' (so never better than the truth). */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx responses whose body `check` refused. */
  badBodies: number;
  statusCodes: Record<string, number>;
  /** CPU time per request of the service process(es), of the local database server (if found) and of this load generator, in ms. */
  cpuMsPerRequest?: { service: number; database: number | null; loadGenerator?: number | null };
}

const REQUEST_TIMEOUT_SECONDS = 20;

/** Runs `amount` requests over `connections` keep-alive connections (split across the instances) and summarises them. */
export async function runLoad(options: LoadOptions): Promise<LoadStats> {
  const urls = Array.isArray(options.baseUrl) ? options.baseUrl : [options.baseUrl];
  // Built and signed before the clock starts, so the load generator's own CPU (it shares the machine's cores with
  // the service and the database) is spent on sending, not on signing. Timestamps stay well inside the window.
  const prebuilt = Array.from({ length: options.amount }, (_, n) => options.build(n));
  let badBodies = 0;
  let done = 0;
  const started = process.hrtime.bigint();
  const share = (total: number, i: number) => Math.floor(total / urls.length) + (i < total % urls.length ? 1 : 0);
  let offset = 0;
  const runs = urls.map((url, i) => {
    const amount = share(options.amount, i);
    const first = offset;
    offset += amount;
    let next = 0;
    const instance = autocannon({
      url,
      connections: Math.max(1, Math.min(share(options.connections, i), amount)),
      amount,
      timeout: REQUEST_TIMEOUT_SECONDS,
      requests: [
        {
          method: 'POST',
          path: options.path,
          setupRequest: (req) => {
            const n = first + next++;
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
    return instance;
  });
  const ticker = options.progress === false
    ? undefined
    : setInterval(() => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        process.stdout.write(`  ${options.name}: ${done}/${options.amount} (${Math.round(done / seconds)} req/s)\n`);
      }, 5000);
  const results = await Promise.all(runs);
  if (ticker) clearInterval(ticker);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sum = (pick: (r: (typeof results)[number]) => number) => results.reduce((n, r) => n + pick(r), 0);
  const highest = (pick: (r: (typeof results)[number]) => number) => Math.max(...results.map(pick));
  const total = sum((r) => r.requests.total);
  const statusCodes: Record<string, number> = {};
  for (const r of results) for (const [code, stat] of Object.entries(r.statusCodeStats)) statusCodes[code] = (statusCodes[code] ?? 0) + stat.count;
  return {
    name: options.name,
    connections: options.connections,
    instances: urls.length,
    requests: total,
    durationSeconds: round(seconds, 2),
    requestsPerSecond: round(total / seconds, 1),
    latencyMs: {
      p50: highest((r) => r.latency.p50),
      p90: highest((r) => r.latency.p90),
      p99: highest((r) => r.latency.p99),
      max: highest((r) => r.latency.max),
      mean: round(sum((r) => r.latency.mean * r.requests.total) / Math.max(1, total), 1),
    },
    ok: sum((r) => r['2xx']),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
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
