import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { signMall, signPartner } from '../support/signing';
import { connectMysql, freePort, parseMysqlServer, REPO_ROOT, scratchDatabase } from '../support/service-process';

/**
 * The real entry point (`src/main.ts`, what `npm start` runs once built) as a child process: how it starts on
 * another PORT, and how it reports a start that cannot succeed.
 */
/** Either envelope, as far as this test reads it. */
type Envelope = { result: any; data: any };

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `src/main.ts`; its data directory is removed at exit unless given (to start again on the same data). */
function run(env: Record<string, string>, dataDir?: string): Run {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'ops-start-'));
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', DATA_DIR: dir, SQLITE_PATH: join(dir, 'app.sqlite'), JOBS_ENABLED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  return { child, output: () => output, exited };
}

/** A failed start: exit code 1 and nothing but JSON lines, the last one an error with a hint. */
async function failedStart(env: Record<string, string>, dataDir?: string): Promise<{ msg: string; hint: string; lines: string[] }> {
  const r = run(env, dataDir);
  expect(await r.exited).toBe(1);
  const lines = r.output().trim().split('\n');
  const entries = lines.map((line) => JSON.parse(line));
  const last = entries[entries.length - 1];
  expect(last.level).toBe('error');
  return { msg: last.msg, hint: last.hint, lines };
}

/** Resolves once the service says it listens; fails when it exits first. */
async function listening(r: Run): Promise<void> {
  for (let i = 0; i < 300 && !r.output().includes('listening on'); i++) {
    if (r.child.exitCode !== null) throw new Error(`exited during start:\n${r.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(r.output()).toContain('listening on');
}

async function stop(r: Run): Promise<void> {
  r.child.kill('SIGTERM');
  await r.exited;
}

const pemKeyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const long = (name: string) => `${name}-0123456789abcdef0123456789abcdef`;

/** What production needs besides the database: real keys of 32 characters and more, live Alipay, no demo data. */
function productionEnv(): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DEMO_DATA: 'false',
    PARTNER_SIGN_KEY: long('partner'),
    ADMIN_TOKEN: long('admin'),
    PARTNER_USER_TOKEN_SECRET: long('user-token'),
    PAY_LINK_KEY: long('pay-link'),
    ALIPAY_APP_ID: '2021000000000001',
    ALIPAY_PRIVATE_KEY: pemKeyPair().privateKey,
    ALIPAY_PUBLIC_KEY: pemKeyPair().publicKey,
  };
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

describe('start-up', () => {
  it('PORT=3300 moves the pay URLs, the notify URL and Swagger\'s server to :3300', async () => {
    // 3300 as in the issue; another free port when something else on this machine holds 3300.
    const port = (await portIsFree(3300)) ? 3300 : await freePort();
    const base = `http://localhost:${port}`;
    const r = run({ PORT: String(port), LOG_LEVEL: 'info' });
    try {
      let up = false;
      for (let i = 0; i < 150 && !up; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        up = r.output().includes('listening on');
      }
      expect(r.output()).toContain(`listening on ${base} `);
      // Nest's line per controller and route is debug: at info a start is a few lines, none of them a route.
      expect(r.output()).not.toMatch(/RouterExplorer|RoutesResolver|Mapped \{/);
      expect(r.output().trim().split('\n').length).toBeLessThan(10);
      const docs = (await (await fetch(`http://127.0.0.1:${port}/docs-json`, { headers: { connection: 'close' } })).json()) as { servers: Array<{ url: string }> };
      expect(docs.servers[0].url).toBe(base);

      const post = (path: string, body: object) =>
        fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify(body) }).then((res) => res.json() as Promise<Envelope>);
      const paid = await post('/app/partner/order/pay', signPartner({ user_id: '41840909af844632885424fbc20cae79', pay_type: 2, gift_pos_id: '55fca782f55f406d94e2cecb23d0140b', address_id: 1 }));
      const payUrl = new URL(paid.result.ali_pay_url);
      expect(payUrl.origin).toBe(base);
      expect(payUrl.searchParams.get('notify_url')).toBe(`${base}/payments/alipay/notify`);

      const created = await post('/order/create', signMall({ uid: 2455, goods: [{ goods_id: 164, total: 1 }], outside_sn: 'PORT-3300', address: { mobile: '150132454657', username: '收货人', province: '广东省', city: '广州市', district: '白云区', address: '新市二街' } }));
      expect(created.result).toBe(1);
      expect(created.data.pay_link).toMatch(new RegExp(`^${base}/pay/`));
    } finally {
      r.child.kill('SIGTERM');
      await r.exited;
    }
  });

  it('an invalid environment is one JSON line naming every problem', async () => {
    const { msg, hint, lines } = await failedStart({ PORT: 'abc', APP_TIMEZONE: 'Mars/Base' });
    expect(lines).toHaveLength(1);
    expect(msg).toMatch(/PORT[\s\S]*APP_TIMEZONE/);
    expect(hint).toMatch(/environment/);
  });

  it('names the value it refuses: PORT=abc is not an integer', async () => {
    const { msg, lines } = await failedStart({ PORT: 'abc' });
    expect(lines).toHaveLength(1);
    expect(msg).toContain('PORT=abc: must be an integer number');
    expect(msg).not.toContain('greater than');
  });

  it('LOG_LEVEL=debug shows Nest\'s route mapping, as debug lines; Ctrl-C (SIGINT) stops the service', async () => {
    const r = run({ PORT: String(await freePort()), LOG_LEVEL: 'debug' });
    try {
      await listening(r);
      const routeLines = r.output().trim().split('\n').map((line) => JSON.parse(line)).filter((entry) => entry.context === 'RouterExplorer');
      expect(routeLines).toContainEqual(expect.objectContaining({ level: 'debug', msg: 'Mapped {/app/partner/order/pay, POST} route' }));
      expect(routeLines.every((entry) => entry.level === 'debug')).toBe(true);
      r.child.kill('SIGINT');
      const stopped = await Promise.race([r.exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 20_000))]);
      expect(stopped).toBe(true);
    } finally {
      await stop(r);
    }
  });

  it('a DATABASE_URL of another scheme (postgres://) is refused in one JSON line, not run on SQLite', async () => {
    const { msg, hint, lines } = await failedStart({ DATABASE_URL: 'postgres://app:secret@127.0.0.1:5432/orders', LOG_LEVEL: 'info' });
    expect(lines).toHaveLength(1);
    expect(msg).toContain('DATABASE_URL=postgres://…: only mysql:// and mariadb:// URLs are supported');
    expect(msg).not.toContain('secret');
    expect(hint).toMatch(/environment/);
  });

  it.each(['mysql', 'mariadb'])(
    'a %s:// DATABASE_URL without DB_TYPE means MySQL: an unreachable server is one line while it waits and one when it gives up',
    async (scheme) => {
      const port = await freePort();
      const started = Date.now();
      const { msg, hint, lines } = await failedStart({ DATABASE_URL: `${scheme}://root@127.0.0.1:${port}/orders`, DB_STARTUP_WAIT_SECONDS: '4', LOG_LEVEL: 'info' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
      expect(lines).toHaveLength(2);
      expect(JSON.parse(lines[0])).toMatchObject({ level: 'warn', msg: 'database not reachable, waiting up to 4 s for it', problem: `nothing accepts connections at 127.0.0.1:${port}` });
      expect(msg).toBe(`start-up failed: nothing accepts connections at 127.0.0.1:${port} (waited 4 s)`);
      expect(hint).toMatch(/start MySQL/);
    },
    60_000,
  );

  it('a port in use is one JSON line with what to do', async () => {
    const port = await freePort();
    const holder: Server = createServer().listen(port);
    try {
      const { msg, hint, lines } = await failedStart({ PORT: String(port), LOG_LEVEL: 'warn' });
      expect(lines).toHaveLength(1);
      expect(msg).toContain(`port ${port} is in use`);
      expect(hint).toMatch(/PORT/);
    } finally {
      holder.close();
    }
  });

  it('a database that fails while Nest boots is one JSON line too, without Nest\'s own coloured stack', async () => {
    const { msg, hint, lines } = await failedStart({ SQLITE_PATH: tmpdir(), LOG_LEVEL: 'warn' });
    expect(lines).toHaveLength(1);
    expect(msg).toContain('cannot open the SQLite database');
    expect(hint).toMatch(/SQLITE_PATH/);
  });

  const mysqlUrl = process.env.TEST_MYSQL_URL;
  (mysqlUrl ? it : it.skip)('a missing MySQL database is one JSON line saying how to create it', async () => {
    const url = new URL(mysqlUrl!);
    url.pathname = '/ops_no_such_database';
    const { msg, hint, lines } = await failedStart({ DB_TYPE: 'mysql', DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' });
    expect(lines).toHaveLength(1);
    expect(msg).toContain('database `ops_no_such_database` does not exist');
    expect(hint).toContain('CREATE DATABASE `ops_no_such_database` CHARACTER SET utf8mb4');
  });

  (mysqlUrl ? it : it.skip)('a MySQL server that comes up while the start waits: one line, then the service runs on it', async () => {
    const server = parseMysqlServer(mysqlUrl!);
    const scratch = await scratchDatabase(server, 'ops_wait');
    const port = await freePort();
    let forwarder: Server | undefined;
    const r = run({ DATABASE_URL: scratch.urlVia('127.0.0.1', port), PORT: String(await freePort()), LOG_LEVEL: 'info' });
    try {
      for (let i = 0; i < 300 && !r.output().includes('waiting up to'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      // The database "starts": a forwarder to the real server opens on the port the service waits for.
      forwarder = createServer((client) => {
        const upstream = connect(server.port, server.host);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      }).listen(port, '127.0.0.1');
      await listening(r);
      const entries = r.output().trim().split('\n').map((line) => JSON.parse(line));
      expect(entries.filter((entry) => /database/.test(entry.msg) && entry.level !== 'info')).toEqual([
        expect.objectContaining({ level: 'warn', msg: 'database not reachable, waiting up to 30 s for it' }),
      ]);
      expect(r.output()).toContain('(database: mysql,');
    } finally {
      await stop(r);
      forwarder?.close();
      await scratch.drop();
    }
  }, 120_000);

  it('production refuses to start with keys, tokens and secrets shorter than 32 characters, naming each', async () => {
    const { msg, hint, lines } = await failedStart({ ...productionEnv(), PARTNER_SIGN_KEY: 'k', ADMIN_TOKEN: 't', PARTNER_USER_TOKEN_SECRET: 's' });
    expect(lines).toHaveLength(1);
    expect(msg).toMatch(/PARTNER_SIGN_KEY: at least 32[\s\S]*ADMIN_TOKEN: at least 32[\s\S]*PARTNER_USER_TOKEN_SECRET: at least 32/);
    expect(hint).toMatch(/environment/);
  });

  it('production refuses to start without a partner user token key', async () => {
    const { PARTNER_USER_TOKEN_SECRET: _secret, ...keyless } = productionEnv();
    const { msg } = await failedStart(keyless);
    expect(msg).toMatch(/PARTNER_USER_TOKEN=required needs PARTNER_USER_TOKEN_SECRET or PARTNER_USER_TOKEN_PUBLIC_KEY/);
  });

  /**
   * A database that ran in development holds the demo app with its published secret: production refuses to start
   * while it is enabled and says how to disable it; done as it says, production starts.
   */
  /** Three starts of the service from source, on a machine that may be busy. */
  const THREE_STARTS_MS = 240_000;

  async function demoAppRefused(database: Record<string, string>, disable: (sql: string) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'ops-start-'));
    try {
      const development = run({ ...database, PORT: String(await freePort()), LOG_LEVEL: 'info', DEMO_DATA: 'true' }, dir);
      await listening(development);
      await stop(development);

      const production = { ...productionEnv(), ...database, PORT: String(await freePort()) };
      const { msg, hint, lines } = await failedStart(production, dir);
      expect(lines).toHaveLength(1);
      expect(msg).toContain('mall app 2022010600605642 is enabled with a published development secret');
      const sql = /UPDATE mall_apps SET enabled = 0 WHERE app_id IN \('2022010600605642'\)/.exec(hint);
      expect(sql).not.toBeNull();

      await disable(sql![0]);
      const started = run({ ...production, LOG_LEVEL: 'info' }, dir);
      try {
        await listening(started);
      } finally {
        await stop(started);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('production refuses the demo app left in a SQLite database until it is disabled [sqlite]', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-demo-'));
    const file = join(dir, 'app.sqlite');
    try {
      await demoAppRefused({ SQLITE_PATH: file }, async (sql) => {
        const db = new Database(file);
        db.exec(sql);
        db.close();
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, THREE_STARTS_MS);

  (mysqlUrl ? it : it.skip)('production refuses the demo app left in a MySQL database until it is disabled [mysql]', async () => {
    const server = parseMysqlServer(mysqlUrl!);
    const scratch = await scratchDatabase(server, 'ops_demo_app');
    try {
      await demoAppRefused({ DB_TYPE: 'mysql', DATABASE_URL: scratch.url }, async (sql) => {
        const connection = await connectMysql(server, scratch.name);
        await connection.query(sql);
        await connection.end();
      });
    } finally {
      await scratch.drop();
    }
  }, THREE_STARTS_MS);
});
