/**
 * `npm run bench:soak [-- --minutes 30] [--rate 80] [--connections 20] [--sample 30] [--no-jobs] [--keep-db] [--no-build]`
 *
 * A long, steady mixed load at a fixed rate, to see whether the service's memory and its tables level off. Builds the
 * service and starts it as a child process on a fresh MariaDB/MySQL schema (BENCH_MYSQL_URL, as `npm run bench`),
 * with its background jobs on (idempotency purge, order timeouts, merchant notifies) unless `--no-jobs`, loads the
 * bench fixtures through the admin API, then sends `--rate` requests per second for `--minutes`, mixed per 20:
 * 8 partner pays by balance, 3 mall creates (three stores), 2 partner pays by Alipay, 2 Alipay TRADE_SUCCESS notifies
 * of the pending payments (signed every few seconds from the database; a read when none is waiting), 2 partner order
 * details, 1 partner order list, 2 mall trade details. The mall requests come from a merchant app whose notify URL
 * is a receiver of this script's (answering `success`); every third trade created is paid: its cashier button is
 * pressed outside the rate, and its notify joins the others, so the merchant outbox fills and the job delivers it.
 *
 * Every `--sample` seconds it prints a progress line: the service's resident memory (VmRSS of /proc/<pid>/status), its
 * V8 heap in use (from /metrics), the requests so far and the row counts of the growing tables. At the end: RSS and
 * heap every 5 minutes, the row counts at the start and the end, and the bench's invariants (balances = ledger sums,
 * one effect per accepted request, stock). Exits non-zero on any non-2xx, error, refused body or failed invariant.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { execSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { connectMysql, parseMysqlServer, REPO_ROOT, removeDataDir, scratchDatabase, startService } from '../test/support/service-process';
import { signMall, signPartner } from '../test/support/signing';
import { admin, BENCH_SERVICE_ENV, loadFixtures, mapLimit } from './fixtures';
import { checkInvariants, pendingPaymentOf } from './invariants';
import { formatStats, LoadRequest, round, runLoad } from './load';
import { rssMiB } from './proc';
import { MallAppKey, mallCreate, PendingPayment, partnerPay, RUN_ID, signedNotifies } from './requests';

/** The tables that grow with traffic (nonces and request outcomes both live in idempotency_records). */
const TABLES = ['idempotency_records', 'partner_orders', 'payments', 'wallet_ledger', 'mall_trades', 'mall_orders', 'mall_order_goods', 'mall_merchant_notifications', 'refunds'];

const KINDS = ['balance pay', 'mall create', 'alipay pay', 'notify', 'partner detail', 'partner list', 'mall detail'] as const;
type Kind = (typeof KINDS)[number];
/** Which request each of 20 consecutive slots sends. */
const MIX: Kind[] = [
  ...Array<Kind>(8).fill('balance pay'),
  ...Array<Kind>(3).fill('mall create'),
  ...Array<Kind>(2).fill('alipay pay'),
  ...Array<Kind>(2).fill('notify'),
  ...Array<Kind>(2).fill('partner detail'),
  'partner list',
  ...Array<Kind>(2).fill('mall detail'),
];

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!(value > 0)) throw new Error(`--${name} takes a positive number`);
  return value;
}

const log = (line: string) => process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const seconds = () => String(Math.floor(Date.now() / 1000));
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface Sample {
  atSeconds: number;
  rssMiB: number | null;
  heapUsedMiB: number | null;
  requests: number;
  rows: Record<string, number>;
  load: string;
}

async function rowCounts(conn: Connection): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  for (const table of TABLES) {
    const [r] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${table}\``);
    rows[table] = Number(r[0].n);
  }
  return rows;
}

/** The first `limit` pending payments (partner orders by Alipay, mall trades) after the payment `afterId`, in id order. */
async function pendingPayments(conn: Connection, limit: number, afterId: number): Promise<PendingPayment[]> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT id, out_trade_no, amount, subject, created_at FROM payments WHERE status = 0 AND id > ? ORDER BY id LIMIT ?', [afterId, limit]);
  return rows.map(pendingPaymentOf);
}

/** A merchant's notify endpoint on this machine: answers `success` and counts what it was sent. */
async function merchantReceiver(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('success');
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/merchant-notify`,
    received: () => received,
    close: () => new Promise<void>((resolveClose) => server.close(() => resolveClose())),
  };
}

async function heapUsedMiB(baseUrl: string): Promise<number | null> {
  try {
    const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const bytes = /^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1];
    return bytes === undefined ? null : round(Number(bytes) / 2 ** 20, 1);
  } catch {
    return null;
  }
}

async function main(argv: string[]): Promise<number> {
  const minutes = option(argv, 'minutes', 30);
  const rate = option(argv, 'rate', 80);
  const connections = option(argv, 'connections', 20);
  const sampleSeconds = option(argv, 'sample', 30);
  const jobs = !argv.includes('--no-jobs');
  log(`load average ${loadAverage()} (1, 5, 15 min) on ${cpus().length} cores; ${minutes} min at ${rate} req/s over ${connections} connections, jobs ${jobs ? 'on' : 'off'}`);
  if (!argv.includes('--no-build')) {
    log('npm run build');
    execSync('npm run build', { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const server = parseMysqlServer(process.env.BENCH_MYSQL_URL ?? 'mariadb://root@127.0.0.1:3306');
  const db = await scratchDatabase(server, 'ops_soak');
  log(`scratch database ${db.name}`);
  // Unpaid orders are closed after twice the soak (at least the default 30 min), so that the stock invariant (stock +
  // sold = initial) holds at the end; the timeout jobs still run their queries every interval.
  const timeoutMinutes = String(Math.min(1440, Math.max(30, Math.ceil(minutes * 2))));
  const service = await startService({ databaseUrl: db.url, env: { ...BENCH_SERVICE_ENV, JOBS_ENABLED: String(jobs), ORDER_PAY_TIMEOUT_MINUTES: timeoutMinutes } }).catch(async (error: unknown) => {
    await db.drop();
    throw error;
  });
  const pid = service.child.pid!;
  log(`service pid ${pid} on ${service.baseUrl}`);
  const conn = await connectMysql(server, db.name);
  // A second connection for the sampler, so its counts never wait behind the feeder's queries.
  const sampler = await connectMysql(server, db.name);
  const samples: Sample[] = [];
  const receiver = await merchantReceiver();
  let failed = 0;
  try {
    const fixtures = await loadFixtures(service.baseUrl, { buyers: 200, buyerBalanceYuan: 100_000, hotBalanceYuan: 1000, goodsPerStore: 10, members: 50 }, log);
    const buyers = fixtures.buyers;
    const created = await admin(service.baseUrl, 'POST', 'mall/apps', { name: '压测商户', notify_url: receiver.url });
    const merchant: MallAppKey = { appId: created.app_id, secret: created.secret };
    await mapLimit(fixtures.memberUids, 16, (uid) => admin(service.baseUrl, 'POST', `mall/apps/${merchant.appId}/members`, { uid }));
    log(`merchant app ${merchant.appId} notifies ${receiver.url}`);

    // What the requests refer to, refreshed from the database while the load runs.
    const notifies: LoadRequest[] = [];
    let signedSoFar = 0;
    let lastPaymentId = 0;
    let partnerOrders: Array<{ orderNo: string; userId: string }> = [];
    let outsideSns: string[] = [];
    /** Every third trade's pay_link, taken from the create's answer, pressed at the next refresh. */
    const payLinks: URL[] = [];
    let cashierPresses = 0;
    let cashierFailures = 0;
    let tradesSeen = 0;
    const refused: string[] = [];
    const refresh = async () => {
      const pending = await pendingPayments(conn, 500, lastPaymentId);
      if (pending.length) {
        lastPaymentId = pending[pending.length - 1].id;
        notifies.push(...signedNotifies(service.dataDir, pending, signedSoFar));
        signedSoFar += pending.length;
      }
      const [orders] = await conn.query<RowDataPacket[]>('SELECT order_no, user_id FROM partner_orders ORDER BY created_at DESC LIMIT 200');
      partnerOrders = orders.map((r) => ({ orderNo: r.order_no, userId: r.user_id }));
      const [trades] = await conn.query<RowDataPacket[]>('SELECT outside_sn FROM mall_trades ORDER BY id DESC LIMIT 200');
      outsideSns = trades.map((r) => r.outside_sn);
      // The cashier button of the trades to pay: a 303 to Alipay once the payment is open.
      const links = payLinks.splice(0);
      await mapLimit(links, 4, async (link) => {
        const res = await fetch(`${service.baseUrl}${link.pathname}${link.search}`, { method: 'POST', redirect: 'manual' });
        await res.arrayBuffer();
        if (res.status === 303) cashierPresses++;
        else {
          cashierFailures++;
          if (refused.length < 5) refused.push(`cashier ${link.pathname} → ${res.status}`);
        }
      });
    };
    await refresh();

    const sent = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
    const accepted = { balancePays: 0, hotWalletPays: 0, mallCreates: 0, alipayOrders: 0, notifies: 0 };
    let notifiesAnswered = 0;
    let mallN = 0;
    const read = (n: number): LoadRequest => {
      const order = partnerOrders[n % Math.max(1, partnerOrders.length)];
      if (n % 2 === 0 && outsideSns.length) {
        const outside_sn = outsideSns[n % outsideSns.length];
        sent['mall detail']++;
        const params = { outside_sn, timestamp: seconds(), nonce: `${RUN_ID}-md${n}` };
        return { path: '/order/detail', body: JSON.stringify(signMall(params, merchant.secret, merchant.appId)), contentType: 'application/json' };
      }
      if (order && n % 3 !== 0) {
        sent['partner detail']++;
        const params = { user_id: order.userId, order_no: order.orderNo, timestamp: seconds(), nonce: `${RUN_ID}-pd${n}` };
        return { path: '/app/partner/order/detail', body: JSON.stringify(signPartner(params)), contentType: 'application/json' };
      }
      sent['partner list']++;
      const params = { user_id: buyers[n % buyers.length].userId, page: 1, page_size: 20, timestamp: seconds(), nonce: `${RUN_ID}-pl${n}` };
      return { path: '/app/partner/order/list', body: JSON.stringify(signPartner(params)), contentType: 'application/json' };
    };
    const build = (n: number): LoadRequest => {
      const kind = MIX[n % MIX.length];
      switch (kind) {
        case 'balance pay':
        case 'alipay pay':
          sent[kind]++;
          return { ...partnerPay(buyers[n % buyers.length], kind === 'balance pay' ? 1 : 2, `s${n}`), path: '/app/partner/order/pay' };
        case 'mall create':
          sent[kind]++;
          return { ...mallCreate(fixtures, mallN++, merchant), path: '/order/create' };
        case 'notify': {
          const notify = notifies.shift();
          if (!notify) return read(n);
          sent[kind]++;
          return { ...notify, path: '/payments/alipay/notify' };
        }
        default:
          return read(n);
      }
    };
    /** Tells what each answer was from its body (autocannon does not say which request it answers). */
    const check = (_status: number, body: string): boolean => {
      if (body.trim() === 'success') {
        notifiesAnswered++;
        return true;
      }
      const json = JSON.parse(body) as { code?: number; result?: number | { ali_pay_url?: string; order_info?: unknown }; data?: { pay_link?: string; status?: number } };
      const ok = json.code === 1 || json.result === 1;
      if (ok && typeof json.result === 'object' && json.result.order_info && json.result.ali_pay_url !== undefined) {
        if (json.result.ali_pay_url === '') accepted.balancePays++;
        else accepted.alipayOrders++;
      }
      // A create's data has a pay_link and, unlike a detail's, no status.
      if (ok && json.result === 1 && json.data?.pay_link && json.data.status === undefined) {
        accepted.mallCreates++;
        if (tradesSeen++ % 3 === 0) payLinks.push(new URL(json.data.pay_link));
      }
      if (!ok && refused.length < 5) refused.push(body.slice(0, 300));
      return ok;
    };

    const started = Date.now();
    const sample = async () => {
      const requests = Object.values(sent).reduce((a, b) => a + b, 0);
      const s: Sample = {
        atSeconds: Math.round((Date.now() - started) / 1000),
        rssMiB: rssMiB(pid),
        heapUsedMiB: await heapUsedMiB(service.baseUrl),
        requests,
        rows: await rowCounts(sampler),
        load: loadAverage(),
      };
      samples.push(s);
      const rows = TABLES.map((t) => `${t.replace(/^mall_merchant_notifications$/, 'outbox')} ${s.rows[t]}`).join(', ');
      log(`${s.atSeconds} s: RSS ${s.rssMiB} MiB, heap ${s.heapUsedMiB} MiB, ${s.requests} requests (+ ${cashierPresses} cashier presses), merchant notifies received ${receiver.received()}, load ${s.load}; rows: ${rows}`);
    };
    await sample();
    let feeding = false;
    const feeder = setInterval(() => {
      if (feeding) return;
      feeding = true;
      refresh()
        .catch((error: unknown) => log(`refresh failed: ${String(error)}`))
        .finally(() => (feeding = false));
    }, 3000);
    let sampling = Promise.resolve();
    const sampleTimer = setInterval(() => {
      sampling = sampling.then(sample).catch((error: unknown) => void log(`sample failed: ${String(error)}`));
    }, sampleSeconds * 1000);
    let result;
    try {
      result = await runLoad({
        name: 'soak (mixed)',
        baseUrl: service.baseUrl,
        path: '/app/partner/order/pay',
        connections,
        rate,
        seconds: minutes * 60,
        prebuild: 0,
        build,
        check,
        progress: false,
      });
    } finally {
      clearInterval(feeder);
      clearInterval(sampleTimer);
    }
    await sampling;
    // Payments that the last refresh opened get no notify: they stay pending, as abandoned checkouts do.
    await sample();
    log(formatStats(result));
    log(`sent: ${KINDS.map((k) => `${k} ${sent[k]}`).join(', ')}`);
    // The bench's checks count the partner orders' notifies; the mall payments' notifies were the rest. When every
    // notify answered `success` (else the load failed anyway), those are the partner ones sent.
    const mallPaid = await one(conn, "SELECT COUNT(*) AS n FROM payments WHERE biz_type = 'mall_trade' AND status = 1");
    accepted.notifies = notifiesAnswered - mallPaid;
    log(`accepted: ${JSON.stringify(accepted)}; cashier presses ${cashierPresses}, mall trades paid ${mallPaid}`);
    const outbox = await conn.query<RowDataPacket[]>('SELECT status, COUNT(*) AS n FROM mall_merchant_notifications GROUP BY status');
    log(`merchant outbox: ${outbox[0].map((r) => `${r.status} ${r.n}`).join(', ') || 'empty'}; the receiver got ${receiver.received()} posts`);
    for (const body of refused) log(`refused: ${body}`);
    failed += result.non2xx + result.errors + result.badBodies + cashierFailures;

    const invariants = await checkInvariants(conn, fixtures, accepted);
    for (const inv of invariants) log(`${inv.ok ? 'ok  ' : 'FAIL'} ${inv.name} — ${inv.detail}`);
    failed += invariants.filter((i) => !i.ok).length;

    console.log(`\n${summary(samples)}`);
  } finally {
    await receiver.close();
    await conn.end();
    await sampler.end();
    await service.stop();
    if (argv.includes('--keep-db')) log(`kept database ${db.name}`);
    else await db.drop();
    removeDataDir(service.dataDir);
  }
  return failed === 0 ? 0 : 1;
}

async function one(conn: Connection, sql: string): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>(sql);
  return Number(rows[0].n);
}

/** RSS and heap every 5 minutes (the sample nearest each mark), and the row counts at the start and the end. */
function summary(samples: Sample[]): string {
  const last = samples[samples.length - 1];
  const marks: Sample[] = [];
  for (let at = 0; at <= last.atSeconds; at += 300) {
    const nearest = samples.reduce((best, s) => (Math.abs(s.atSeconds - at) < Math.abs(best.atSeconds - at) ? s : best));
    if (!marks.includes(nearest)) marks.push(nearest);
  }
  // The last sample, unless it was taken within a minute of the last mark (then it stands for that mark).
  if (!marks.includes(last)) {
    if (last.atSeconds - marks[marks.length - 1].atSeconds < 60) marks.pop();
    marks.push(last);
  }
  const memory = [
    '| minute | RSS MiB | V8 heap used MiB | requests | load average |',
    '|---:|---:|---:|---:|---|',
    ...marks.map((s) => `| ${round(s.atSeconds / 60, 1)} | ${s.rssMiB ?? '?'} | ${s.heapUsedMiB ?? '?'} | ${s.requests} | ${s.load} |`),
  ];
  const first = samples[0];
  const rows = ['| table | rows at start | rows at end |', '|---|---:|---:|', ...TABLES.map((t) => `| ${t} | ${first.rows[t]} | ${last.rows[t]} |`)];
  return `${memory.join('\n')}\n\n${rows.join('\n')}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
