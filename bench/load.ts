import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** A POST to the options' path, or to its own (a mixed load). */
export interface LoadRequest {
  body: string;
  contentType: string;
  path?: string;
}

/** A GET of its own path (the raw reference takes its request number in the query string). */
export interface GetRequest {
  method: 'GET';
  path: string;
}

export interface LoadOptions {
  name: string;
  /** One service instance, or several sharing one database: the load is split evenly across them. */
  baseUrl: string | string[];
  path: string;
  /** In all: split across the instances. */
  connections: number;
  /**
   * At most this many requests. Each connection stops after the response to its last request, so every request
   * sent is answered and counted (and so is every effect).
   */
  amount?: number;
  /**
   * A time-bound run: after this many seconds no connection sends another request; those in flight are awaited and
   * counted (so a round ends a little after its deadline, and its rate is taken up to its last response).
   */
  seconds?: number;
  /**
   * The n-th request (0-based); every call must produce a unique, correctly signed request. `prebuild` of them
   * (all of `amount` unless given) are built before the load starts; any further one is built while sending.
   */
  build: (n: number) => LoadRequest | GetRequest;
  prebuild?: number;
  /** Receives every response time in ms (to compute percentiles over several runs). */
  latencies?: number[];
  /** Called once the requests are built, just before the first is sent (to take CPU readings of the load alone). */
  onStart?: () => void;
  /** Sees every response; returns false when the body is not what a success must look like. */
  check?: (status: number, body: string) => boolean;
  /** Printed while running; false for warm-ups. */
  progress?: boolean;
  /** At most this many requests per second in all (split across the instances); as fast as they answer unless given. */
  rate?: number;
}

export interface LoadStats {
  name: string;
  connections: number;
  instances: number;
  requests: number;
  /** From the first request to the last response. */
  durationSeconds: number;
  requestsPerSecond: number;
  /** Requests built while the load ran (the prebuilt ones were used up): their signing shares the cores. */
  builtDuringLoad?: number;
  /** With several instances, each percentile is the highest of the instances' (so never better than the truth). */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx responses whose body `check` refused. */
  badBodies: number;
  statusCodes: Record<string, number>;
  /**
   * CPU time per request of the process(es) under load (the service, or the raw reference in its rounds), of the
   * local database server (if found; all of its clients count) and of this load generator, in ms.
   */
  cpuMsPerRequest?: { service: number; database: number | null; loadGenerator?: number | null };
  /** The service's highest resident memory (VmRSS, summed over its instances) sampled every 200 ms during the load. */
  rssPeakMiB?: number;
  /** When the load ran, in CLOCK_MONOTONIC µs (the clock of a V8 CPU profile's timestamps). */
  monotonicUs?: [number, number];
}

const REQUEST_TIMEOUT_SECONDS = 20;

/**
 * Runs up to `amount` requests, or for `seconds`, over `connections` keep-alive connections (split across the
 * instances) and summarises them. Either way every request sent gets its response before this resolves.
 */
export async function runLoad(options: LoadOptions): Promise<LoadStats> {
  const urls = Array.isArray(options.baseUrl) ? options.baseUrl : [options.baseUrl];
  if (options.amount === undefined && options.seconds === undefined) throw new Error(`${options.name}: give amount or seconds`);
  // Built and signed before the clock starts, so the load generator's own CPU (it shares the machine's cores with
  // the service and the database) is spent on sending, not on signing. Timestamps stay well inside the window.
  const prebuilt = Array.from({ length: options.prebuild ?? options.amount ?? 0 }, (_, n) => options.build(n));
  let builtDuringLoad = 0;
  const requestNumber = (n: number) => {
    if (n < prebuilt.length) return prebuilt[n];
    builtDuringLoad++;
    return options.build(n);
  };
  let badBodies = 0;
  let done = 0;
  options.onStart?.();
  const started = process.hrtime.bigint();
  let lastResponse = started;
  const share = (total: number, i: number) => Math.floor(total / urls.length) + (i < total % urls.length ? 1 : 0);
  // autocannon's clients, so a time-bound run can tell each to stop after the response it is waiting for.
  const clients: Array<{ reqsMade: number; responseMax?: number }> = [];
  let offset = 0;
  let next = 0;
  const runs = urls.map((url, i) => {
    const amount = options.amount === undefined ? undefined : share(options.amount, i);
    const first = offset;
    offset += amount ?? 0;
    let mine = 0;
    // Time-bound runs of several instances draw from one sequence of requests.
    const take = () => (amount === undefined ? next++ : first + mine++);
    const instance = autocannon({
      url,
      connections: Math.max(1, Math.min(share(options.connections, i), amount ?? Infinity)),
      ...(amount === undefined ? {} : { amount }),
      // Only a safety net: a time-bound run is ended by its deadline below, which lets the requests in flight finish.
      ...(options.seconds === undefined ? {} : { duration: options.seconds + 600 }),
      ...(options.rate === undefined ? {} : { overallRate: Math.max(1, share(options.rate, i)) }),
      timeout: REQUEST_TIMEOUT_SECONDS,
      setupClient: (client) => {
        clients.push(client);
      },
      requests: [
        {
          method: 'POST',
          path: options.path,
          setupRequest: (req) => {
            const request = requestNumber(take());
            if ('method' in request) return { ...req, method: 'GET', path: request.path, body: undefined };
            return { ...req, path: request.path ?? req.path, body: request.body, headers: { ...req.headers, 'content-type': request.contentType } };
          },
          onResponse: (status, body) => {
            if (status >= 200 && status < 300 && options.check && !options.check(status, body)) badBodies++;
          },
        },
      ],
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      done++;
      lastResponse = process.hrtime.bigint();
      options.latencies?.push(responseTime);
    });
    return instance;
  });
  const deadline =
    options.seconds === undefined
      ? undefined
      : setTimeout(() => {
          for (const client of clients) client.responseMax = client.reqsMade;
        }, options.seconds * 1000);
  const ticker = options.progress === false
    ? undefined
    : setInterval(() => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        process.stdout.write(`  ${options.name}: ${done}${options.amount === undefined ? '' : `/${options.amount}`} (${Math.round(done / seconds)} req/s)\n`);
      }, 5000);
  const results = await Promise.all(runs);
  if (ticker) clearInterval(ticker);
  if (deadline) clearTimeout(deadline);
  // Up to the last response: autocannon reports its end up to a second later (on its next sampling tick).
  const seconds = Number((done ? lastResponse : process.hrtime.bigint()) - started) / 1e9;
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
    ...(builtDuringLoad ? { builtDuringLoad } : {}),
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
