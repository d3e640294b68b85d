/**
 * `npm run bench -- --reference`: the service judged against the raw reference (reference.ts) in one run.
 *
 * The raw reference runs beside the service on the same MariaDB (a scratch schema of its own), and the two take turns:
 * each round loads the raw reference for `--round-seconds` (15, 3 with `--quick`), then the service's partner pay by
 * balance, mall create (three stores) and Alipay notify for as long each; `--rounds` (2) such rounds. Every load has
 * 50 connections (`--connections`), a fresh request number (reference) or a fresh nonce and signature (service) per
 * request, built before its round starts; a round stops sending at its deadline and counts the answers of the requests
 * still in flight. The ratios are the service's req/s over all its rounds ÷ the raw reference's over all of its.
 */
import type { Connection } from 'mysql2/promise';
import type { MysqlServer, ServiceProcess } from '../test/support/service-process';
import type { Fixtures } from './fixtures';
import type { Accepted, Invariant } from './invariants';
import { pendingBenchPayments } from './invariants';
import { cpuSeconds, LoadOptions, LoadRequest, LoadStats, round } from './load';
import { referenceDir, referenceOk, referencePay, startReference } from './reference';
import { mallCreate, mallOk, notifyOk, partnerOk, partnerPay, signedNotifies } from './requests';

/** pay: partner pay by balance over many users; mall: create with three stores; alipay: Alipay notify TRADE_SUCCESS. */
export const REFERENCE_SCENARIOS = ['pay', 'mall', 'alipay'];

export interface Target {
  scenario: string;
  requirement: string;
  met: boolean;
}

export interface RoundsContext {
  argv: string[];
  quick: boolean;
  log: (line: string) => void;
  only: Set<string>;
  server: MysqlServer;
  conn: Connection;
  service: ServiceProcess;
  baseUrls: string[];
  connections: number;
  fixtures: Fixtures;
  accepted: Accepted;
  /** A measured load (CPU per request of `target`, the service unless given; the service's RSS peak). */
  measure: (s: LoadOptions, target?: () => number | null) => Promise<LoadStats>;
  warm: (s: LoadOptions) => Promise<LoadStats>;
}

interface Series {
  key: string;
  label: string;
  /** The service's target as a share of the raw reference's req/s (none for the reference itself). */
  target?: number;
  rounds: LoadStats[];
  latencies: number[];
}

export interface ReferenceSummary {
  table: string;
  targets: Target[];
  invariants: Invariant[];
  report: Record<string, unknown>;
}

const TARGETS = { pay: 0.5, mall: 0.25, notify: 0.35, payP99Ms: 100, rssMB: 200 };

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)], 1);
}

function aggregate(series: Series) {
  const requests = series.rounds.reduce((n, s) => n + s.requests, 0);
  const seconds = series.rounds.reduce((n, s) => n + s.durationSeconds, 0);
  const weighted = (pick: (s: LoadStats) => number | null | undefined) => {
    if (series.rounds.some((s) => pick(s) === null || pick(s) === undefined)) return null;
    return round(series.rounds.reduce((n, s) => n + (pick(s) as number) * s.requests, 0) / Math.max(1, requests), 2);
  };
  const sorted = [...series.latencies].sort((a, b) => a - b);
  const peaks = series.rounds.map((s) => s.rssPeakMiB).filter((v): v is number => v !== undefined);
  return {
    requests,
    requestsPerSecond: round(requests / Math.max(seconds, 1e-9), 1),
    perRound: series.rounds.map((s) => s.requestsPerSecond),
    latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: round(sorted[sorted.length - 1] ?? NaN, 1) },
    cpuMsPerRequest: {
      process: weighted((s) => s.cpuMsPerRequest?.service),
      database: weighted((s) => s.cpuMsPerRequest?.database),
      loadGenerator: weighted((s) => s.cpuMsPerRequest?.loadGenerator),
    },
    rssPeakMiB: peaks.length ? Math.max(...peaks) : null,
    problems: series.rounds.reduce((n, s) => n + s.non2xx + s.errors + s.badBodies, 0),
  };
}

export async function referenceRounds(ctx: RoundsContext): Promise<ReferenceSummary> {
  const { log, quick, only, fixtures, accepted, connections, service, measure, warm } = ctx;
  const rounds = Number(option(ctx.argv, 'rounds') ?? 2);
  const roundSeconds = Number(option(ctx.argv, 'round-seconds') ?? (quick ? 3 : 15));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number from 1');
  if (!(roundSeconds > 0)) throw new Error('--round-seconds takes a positive number');
  const warmup = quick ? 100 : 500;
  /** Alipay notifies are made by paying by Alipay first (3–4 ms of service CPU each): a fixed number per round. */
  const notifiesPerRound = quick ? 200 : 5000;
  const base = { baseUrl: ctx.baseUrls, connections };
  const { buyers } = fixtures;

  const dir = referenceDir();
  log(`raw reference ${dir}/server.js: scratch schema with 10 000 wallets, pool 10`);
  const reference = await startReference(ctx.server, dir);
  const invariants: Invariant[] = [];
  const series: Record<string, Series> = {
    reference: { key: 'reference', label: 'raw reference (node:http + mysql2)', rounds: [], latencies: [] },
    pay: { key: 'pay', label: 'partner pay by balance (many users)', target: TARGETS.pay, rounds: [], latencies: [] },
    mall: { key: 'mall', label: 'mall create (three stores)', target: TARGETS.mall, rounds: [], latencies: [] },
    notify: { key: 'notify', label: 'Alipay notify (TRADE_SUCCESS)', target: TARGETS.notify, rounds: [], latencies: [] },
  };
  let referenceAnswered = 0;
  try {
    const referenceCpu = () => cpuSeconds(reference.pid);
    const referenceBase = { baseUrl: reference.baseUrl, path: '/', connections, check: referenceOk };

    let notifies: LoadRequest[] = [];
    if (only.has('alipay')) {
      const total = warmup + notifiesPerRound * rounds;
      log(`setting up ${total} Alipay payments to notify (partner pay by Alipay, not measured)`);
      const p = await warm({ ...base, name: 'partner pay by Alipay (setup)', path: '/app/partner/order/pay', amount: total, build: (n) => partnerPay(buyers[n % buyers.length], 2, `rp${n}`), check: partnerOk });
      accepted.alipayOrders += p.ok;
      if (p.ok !== total) throw new Error(`partner pay by Alipay (setup): ${p.ok} of ${total} accepted ${JSON.stringify(p.statusCodes)}`);
      const pending = await pendingBenchPayments(ctx.conn, total);
      log(`signing ${pending.length} Alipay notifies`);
      notifies = signedNotifies(service.dataDir, pending);
    }

    log('warming up');
    const referenceWarm = await warm({ ...referenceBase, name: 'raw reference warm-up', amount: quick ? 300 : 1000, build: (n) => referencePay('w', n) });
    referenceAnswered += referenceWarm.ok;
    /** The best rate seen per load, to build enough requests before each round (more are built on the fly if short). */
    const rate: Record<string, number> = { reference: referenceWarm.requestsPerSecond * 2 };
    if (only.has('pay')) {
      const w = await warm({ ...base, name: 'warm-up pay', path: '/app/partner/order/pay', amount: warmup, build: (n) => partnerPay(buyers[n % buyers.length], 1, `rw${n}`), check: partnerOk });
      accepted.balancePays += w.ok;
      rate.pay = w.requestsPerSecond * 2;
    }
    if (only.has('mall')) {
      const w = await warm({ ...base, name: 'warm-up mall', path: '/order/create', amount: warmup, build: (n) => mallCreate(fixtures, n), check: mallOk });
      accepted.mallCreates += w.ok;
      rate.mall = w.requestsPerSecond * 2;
    }
    if (only.has('alipay')) {
      const warmNotifies = notifies.slice(0, warmup);
      const w = await warm({ ...base, name: 'warm-up notify', path: '/payments/alipay/notify', amount: warmNotifies.length, build: (n) => warmNotifies[n], check: notifyOk });
      accepted.notifies += w.ok - w.badBodies;
    }
    // The raw reference's requests cost next to nothing to build: enough for 5000 req/s, whatever its warm-up showed.
    const prebuild = (key: string) => Math.ceil((key === 'reference' ? Math.max(rate[key], 5000) : rate[key]) * roundSeconds * 1.3) + connections;
    const run = async (s: Series, options: LoadOptions, target?: () => number | null) => {
      const result = await measure({ ...options, latencies: s.latencies }, target);
      s.rounds.push(result);
      rate[s.key] = Math.max(rate[s.key] ?? 0, result.requestsPerSecond);
      return result;
    };

    for (let r = 0; r < rounds; r++) {
      const tag = `round ${r + 1}/${rounds}`;
      const ref = await run(
        series.reference,
        { ...referenceBase, name: `raw reference, ${tag}`, seconds: roundSeconds, prebuild: prebuild('reference'), build: (n) => referencePay(`r${r}`, n) },
        referenceCpu,
      );
      referenceAnswered += ref.ok;
      if (only.has('pay')) {
        const a = await run(series.pay, {
          ...base,
          name: `partner pay by balance, ${tag}`,
          path: '/app/partner/order/pay',
          seconds: roundSeconds,
          prebuild: prebuild('pay'),
          build: (n) => partnerPay(buyers[n % buyers.length], 1, `r${r}-${n}`),
          check: partnerOk,
        });
        accepted.balancePays += a.ok;
      }
      if (only.has('mall')) {
        // Far apart per round, so every round's outside_sn and nonces are new however many it sends.
        const offset = warmup + (r + 1) * 10_000_000;
        const c = await run(series.mall, { ...base, name: `mall create (three stores), ${tag}`, path: '/order/create', seconds: roundSeconds, prebuild: prebuild('mall'), build: (n) => mallCreate(fixtures, offset + n), check: mallOk });
        accepted.mallCreates += c.ok;
      }
      if (only.has('alipay')) {
        const mine = notifies.slice(warmup + r * notifiesPerRound, warmup + (r + 1) * notifiesPerRound);
        const d = await run(series.notify, { ...base, name: `Alipay notify, ${tag}`, path: '/payments/alipay/notify', amount: mine.length, seconds: roundSeconds, build: (n) => mine[n], check: notifyOk });
        accepted.notifies += d.ok - d.badBodies;
      }
    }

    const ledger = await reference.ledger();
    invariants.push({
      name: 'raw reference: one ledger row per 200',
      ok: ledger.rows === referenceAnswered && ledger.debitedCents === ledger.missingCents && ledger.debitedCents === ledger.rows,
      detail: `wallet_txn rows: ${ledger.rows} (expected ${referenceAnswered}), 0.01 each: ${ledger.debitedCents} cents debited, ${ledger.missingCents} cents gone from the wallets`,
    });
  } finally {
    await reference.stop();
  }

  const ref = aggregate(series.reference);
  const lines = [
    `| against the raw reference (${rounds} rounds of ${roundSeconds} s, ${connections} connections) | req/s (per round) | ÷ raw | target | p50 ms | p99 ms | CPU ms/req: process + MariaDB (+ load generator) | RSS peak MiB |`,
    '|---|---:|---:|---|---:|---:|---:|---:|',
  ];
  const cpuText = (a: ReturnType<typeof aggregate>) => `${a.cpuMsPerRequest.process ?? '?'} + ${a.cpuMsPerRequest.database ?? '?'} (+ ${a.cpuMsPerRequest.loadGenerator ?? '?'})`;
  lines.push(`| ${series.reference.label} | ${ref.requestsPerSecond} (${ref.perRound.join(', ')}) | 1 | | ${ref.latencyMs.p50} | ${ref.latencyMs.p99} | ${cpuText(ref)} | |`);
  const targets: Target[] = [];
  const scenarios: Record<string, unknown>[] = [];
  for (const s of [series.pay, series.mall, series.notify]) {
    if (!s.rounds.length) continue;
    const a = aggregate(s);
    const ratio = round(a.requestsPerSecond / ref.requestsPerSecond, 3);
    const perRound = s.rounds.map((x, i) => round(x.requestsPerSecond / series.reference.rounds[i].requestsPerSecond, 3));
    const requirement = s.key === 'pay' ? `≥ ${s.target}×, p99 ≤ ${TARGETS.payP99Ms} ms` : `≥ ${s.target}×`;
    const met = ratio >= s.target! && (s.key !== 'pay' || a.latencyMs.p99 <= TARGETS.payP99Ms);
    targets.push({ scenario: s.label, requirement: `${requirement} the raw reference (ratio ${ratio}×, per round ${perRound.join(', ')}; p99 ${a.latencyMs.p99} ms)`, met });
    lines.push(
      `| ${s.label} | ${a.requestsPerSecond} (${a.perRound.join(', ')}) | **${ratio}×** (${perRound.join(', ')}) | ${requirement} | ${a.latencyMs.p50} | ${a.latencyMs.p99} | ${cpuText(a)} | ${a.rssPeakMiB ?? '?'} |`,
    );
    scenarios.push({ scenario: s.label, ratio, perRoundRatios: perRound, target: requirement, met, ...a });
  }
  const peaks = scenarios.map((s) => s.rssPeakMiB as number | null).filter((v): v is number => v !== null);
  if (peaks.length) {
    const peakMiB = Math.max(...peaks);
    const peakMB = round((peakMiB * 2 ** 20) / 1e6, 1);
    targets.push({ scenario: 'service RSS under load', requirement: `≤ ${TARGETS.rssMB} MB (peak VmRSS ${peakMiB} MiB = ${peakMB} MB)`, met: peakMB <= TARGETS.rssMB });
  }
  return {
    table: lines.join('\n'),
    targets,
    invariants,
    report: {
      referenceDir: dir,
      rounds,
      roundSeconds,
      connections,
      order: 'each round: raw reference, then partner pay, mall create, Alipay notify',
      rawReference: ref,
      scenarios,
    },
  };
}
