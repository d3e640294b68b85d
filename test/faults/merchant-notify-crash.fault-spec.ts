import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { mallSign } from '../../src/common/signature/mall-signature';
import { signMall } from '../support/signing';
import { connectMysql, removeDataDir, ScratchDatabase, scratchDatabase, ServiceProcess, startService } from '../support/service-process';
import { faultServer, requireBuild } from './fault-support';

/**
 * The incident behind `notify_id` (SPEC §6): a merchant takes seconds to answer `success`, the service is SIGKILLed
 * while it waits, and after the restart the event is delivered again, with a fresh `timestamp` and `nonce`. The
 * merchant must be able to tell it is the same event: both deliveries carry the same `notify_id`, the one stored
 * with the event. A one-second retry schedule keeps the test short; the attempt cut short by the kill is retried
 * once its lease is over.
 */

const ADMIN_TOKEN = 'admin-dev-token';
const SERVICE_ENV = { JOBS_ENABLED: 'true', MERCHANT_NOTIFY_RETRY_SECONDS: '1,1,1' };
/** The merchant's first answer takes this long; the service is killed well before it comes. */
const SLOW_ANSWER_MS = 4_000;
const KILL_AFTER_MS = 1_500;
const DELIVERY_LIMIT_MS = 20_000;
/** How long a claimed attempt keeps other workers off the row (merchant-outbox.service.ts). */
const ATTEMPT_LEASE_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A merchant's notify endpoint: records every form; answers the first one slowly, the others at once. */
class SlowMerchant {
  readonly forms: Array<Record<string, string>> = [];
  readonly times: number[] = [];
  private server!: Server;
  private waiters: Array<() => void> = [];
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        this.forms.push(Object.fromEntries(new URLSearchParams(raw)));
        this.times.push(Date.now());
        for (const wake of this.waiters.splice(0)) wake();
        const answer = () => {
          if (!res.destroyed) res.writeHead(200, { 'content-type': 'text/plain' }).end('success');
        };
        if (this.forms.length === 1) setTimeout(answer, SLOW_ANSWER_MS).unref();
        else answer();
      });
      res.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notify`;
  }

  /** Resolves once `count` forms have come, or rejects after `ms`. */
  async received(count: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.forms.length < count) {
      if (Date.now() > deadline) throw new Error(`the merchant got ${this.forms.length} notifications, expected ${count}`);
      await Promise.race([new Promise<void>((resolve) => this.waiters.push(resolve)), sleep(200)]);
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function call(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

describe('fault: SIGKILL while a merchant answers a notification, then restart [mysql]', () => {
  const server = faultServer();
  const merchant = new SlowMerchant();
  let database: ScratchDatabase;
  let service: ServiceProcess;
  let db: Connection;
  let secret = '';
  let tradeSn = '';

  beforeAll(async () => {
    requireBuild();
    await merchant.start();
    database = await scratchDatabase(server, 'ops_fault_notify');
    service = await startService({ databaseUrl: database.url, env: SERVICE_ENV });
    db = await connectMysql(server, database.name);

    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const app = (await call(service.baseUrl, '/admin/mall/apps', { name: 'slow merchant', notify_url: merchant.url }, admin)).result as { app_id: string; secret: string };
    secret = app.secret;
    const uid = 880_001;
    await call(service.baseUrl, '/admin/mall/members', { uid, mobile: '13700880001', app_ids: [app.app_id] }, admin);
    const address = { mobile: '15013245465', username: '收货人', province: '广东省', city: '广州市', district: '白云区', address: '新市二街 1003 号' };
    const created = await call(service.baseUrl, '/order/create', signMall({ outside_sn: 'NOTIFY-CRASH-1', uid, goods: [{ goods_id: 164, total: 1 }], address }, app.secret, app.app_id));
    tradeSn = created.data.trade_sn;
    // closing the trade writes a trade_closed event to the outbox; the worker (every second) sends it
    await call(service.baseUrl, '/order/close', signMall({ outside_sn: 'NOTIFY-CRASH-1' }, app.secret, app.app_id));

    await merchant.received(1, DELIVERY_LIMIT_MS);
    await sleep(KILL_AFTER_MS);
    await service.kill();
    expect(merchant.forms).toHaveLength(1);

    service = await startService({ databaseUrl: database.url, dataDir: service.dataDir, port: service.port, env: SERVICE_ENV });
    await merchant.received(2, DELIVERY_LIMIT_MS);
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await service?.stop();
    await database?.drop();
    if (service) removeDataDir(service.dataDir);
    await merchant.close();
  });

  it('the event is sent again after the restart with the same notify_id, a fresh nonce, and signed', () => {
    const [first, second] = merchant.forms;
    expect(first).toMatchObject({ event: 'trade_closed', trade_sn: tradeSn, outside_sn: 'NOTIFY-CRASH-1', status: '-1' });
    expect(first.notify_id).toMatch(/^[0-9a-f]{32}$/);
    expect(second.notify_id).toBe(first.notify_id);
    expect(second.nonce).not.toBe(first.nonce);
    for (const form of [first, second]) {
      const { sign, ...params } = form;
      expect(sign).toBe(mallSign(params, secret));
    }
  });

  it('the attempt cut short is retried after its lease (10 s: an attempt may take the 5 s HTTP timeout), not after the 1 s delay', () => {
    expect(merchant.times[1] - merchant.times[0]).toBeGreaterThanOrEqual(ATTEMPT_LEASE_MS - 1_000);
  });

  it('the outbox row holds that notify_id and is delivered on the second attempt; nothing is sent a third time', async () => {
    const deadline = Date.now() + DELIVERY_LIMIT_MS;
    let row: RowDataPacket | undefined;
    while (Date.now() < deadline) {
      [row] = (await db.query<RowDataPacket[]>('SELECT notify_id, status, attempts FROM mall_merchant_notifications'))[0];
      if (row?.status === 'delivered') break;
      await sleep(200);
    }
    expect(row).toEqual(expect.objectContaining({ notify_id: merchant.forms[0].notify_id, status: 'delivered', attempts: 2 }));
    await sleep(2_500);
    expect(merchant.forms).toHaveLength(2);
  });
});
