import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, createConnection } from 'mysql2/promise';

/**
 * A 3-node MariaDB Galera cluster of separate `mariadbd` processes under one temporary folder: own ports,
 * sockets and data directories, never the machine's own MariaDB (3306) or its data. Every process is started
 * and stopped by its PID; `stop()` takes them all down, and an exit hook kills what a crashed run leaves behind.
 *
 * Needs Debian's `galera-4` (the provider library) and `rsync` (the state transfer of a new node):
 * `apt-get install -y galera-4 rsync`.
 */

export const GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';

export interface GaleraNode {
  index: number;
  name: string;
  /** The SQL port. */
  port: number;
  /** Galera's group communication port; IST and SST ports are the two after it. */
  gcommPort: number;
  dataDir: string;
  errorLog: string;
}

export interface ClusterOptions {
  /** SQL port of the first node; the others follow (3311, 3312, 3313). */
  basePort?: number;
  /** gcomm port of the first node; each node takes three ports (gcomm, IST, SST) in steps of 10. */
  baseGcommPort?: number;
  log?: (line: string) => void;
}

/** The machine lacks what the cluster needs: the message says what to install. */
export function assertGaleraInstalled(): void {
  const missing: string[] = [];
  if (!existsSync(GALERA_PROVIDER)) missing.push('galera-4');
  for (const tool of ['rsync', 'mariadbd', 'mariadb-install-db']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      missing.push(tool === 'rsync' ? 'rsync' : 'mariadb-server');
    }
  }
  if (missing.length) throw new Error(`the Galera suite needs ${missing.join(', ')}: apt-get install -y ${[...new Set(missing)].join(' ')}`);
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mariadbd refuses to run as root unless told; as root it runs as `mysql`, so rsync's SST daemon can write. */
const RUN_AS = process.getuid?.() === 0 ? 'mysql' : undefined;

export class GaleraCluster {
  readonly nodes: GaleraNode[];
  readonly root: string;
  private readonly processes = new Map<number, ChildProcess>();
  private readonly rejoinLogOffset = new Map<number, number>();
  private readonly log: (line: string) => void;
  private readonly exitHook = () => this.killAllNow();

  constructor(options: ClusterOptions = {}) {
    const basePort = options.basePort ?? Number(process.env.GALERA_BASE_PORT ?? 3311);
    const baseGcomm = options.baseGcommPort ?? Number(process.env.GALERA_BASE_GCOMM_PORT ?? 4567);
    this.log = options.log ?? (() => undefined);
    this.root = mkdtempSync(join(tmpdir(), 'ops-galera-'));
    chmodSync(this.root, 0o755);
    this.nodes = [0, 1, 2].map((index) => {
      const dir = join(this.root, `node${index + 1}`);
      return { index, name: `node${index + 1}`, port: basePort + index, gcommPort: baseGcomm + index * 10, dataDir: join(dir, 'data'), errorLog: join(dir, 'error.log') };
    });
  }

  /** `mariadb://root@127.0.0.1:<port>/<database>` of one node. */
  url(index: number, database: string, protocol = 'mariadb'): string {
    return `${protocol}://root@127.0.0.1:${this.nodes[index].port}/${database}`;
  }

  connect(index: number, database?: string): Promise<Connection> {
    return createConnection({ host: '127.0.0.1', port: this.nodes[index].port, user: 'root', database, timezone: 'Z' });
  }

  /** Bootstraps node 1 with `--wsrep-new-cluster`, then joins the others (by rsync SST) one after the other. */
  async start(): Promise<void> {
    assertGaleraInstalled();
    for (const node of this.nodes) {
      for (const port of [node.port, node.gcommPort, node.gcommPort + 1, node.gcommPort + 2]) {
        if (!(await portIsFree(port))) throw new Error(`port ${port} (${node.name}) is taken: another cluster still running? Set GALERA_BASE_PORT / GALERA_BASE_GCOMM_PORT`);
      }
    }
    process.once('exit', this.exitHook);
    for (const node of this.nodes) {
      const started = Date.now();
      this.install(node);
      this.spawnNode(node, node.index === 0 ? ['--wsrep-new-cluster'] : []);
      await this.waitSynced(node.index, 90_000);
      this.log(`${node.name} synced on :${node.port} in ${Date.now() - started} ms`);
    }
  }

  /** SIGKILL, as a crashed host: no shutdown, no goodbye to the group. */
  async kill(index: number): Promise<void> {
    const child = this.processes.get(index);
    if (!child) return;
    const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    child.kill('SIGKILL');
    await exited;
    this.processes.delete(index);
  }

  /**
   * Restarts a killed node so it joins by IST: `--wsrep-recover` reads the last committed position from
   * InnoDB, `--wsrep_start_position` hands it to the provider, and a donor sends only the missing write sets.
   * Resolves when the process is started, not when it is Synced (see `waitSynced`); returns the position.
   */
  async rejoin(index: number): Promise<string> {
    const node = this.nodes[index];
    const recoverLog = join(node.dataDir, '..', `recover-${Date.now()}.log`);
    await new Promise<void>((resolve, reject) => {
      const child = spawn('mariadbd', [...this.args(node), '--wsrep-recover', `--log-error=${recoverLog}`], { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', () => resolve());
    });
    const found = /WSREP: Recovered position: ([0-9a-f-]{36}:-?\d+)/.exec(existsSync(recoverLog) ? readFileSync(recoverLog, 'utf8') : '');
    if (!found) throw new Error(`${node.name}: --wsrep-recover printed no position (see ${recoverLog})`);
    this.rejoinLogOffset.set(index, existsSync(node.errorLog) ? statSync(node.errorLog).size : 0);
    this.spawnNode(node, [`--wsrep_start_position=${found[1]}`]);
    return found[1];
  }

  /** How the node's last rejoin got its state: 'IST', 'SST' or 'none' yet (read from its error log). */
  lastStateTransfer(index: number): 'IST' | 'SST' | 'none' {
    const since = this.logSince(index, this.rejoinLogOffset.get(index) ?? 0);
    if (/WSREP: IST received/.test(since)) return 'IST';
    if (/WSREP: (SST received|SST succeeded)|rsync SST completed on joiner/.test(since)) return 'SST';
    return 'none';
  }

  private logSince(index: number, offset: number): string {
    const log = this.nodes[index].errorLog;
    return existsSync(log) ? readFileSync(log).subarray(offset).toString('utf8') : '';
  }

  /** Polls `wsrep_local_state_comment` until it says Synced (connection errors while it starts are expected). */
  async waitSynced(index: number, timeoutMs = 120_000): Promise<void> {
    const node = this.nodes[index];
    const deadline = Date.now() + timeoutMs;
    let last = 'not started';
    while (Date.now() < deadline) {
      const child = this.processes.get(index);
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${node.name} exited while joining; its log:\n${this.tail(index)}`);
      }
      try {
        const conn = await this.connect(index);
        try {
          const [rows] = await conn.query<any[]>("SHOW STATUS LIKE 'wsrep_local_state_comment'");
          last = rows[0]?.Value ?? 'no wsrep status';
        } finally {
          await conn.end();
        }
        if (last === 'Synced') return;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(250);
    }
    throw new Error(`${node.name} not Synced after ${timeoutMs} ms (last: ${last}); its log:\n${this.tail(index)}`);
  }

  /** The node's `wsrep_local_state_comment`, or 'down' when it does not answer. */
  async state(index: number): Promise<string> {
    try {
      const conn = await this.connect(index);
      try {
        const [rows] = await conn.query<any[]>("SHOW STATUS LIKE 'wsrep_local_state_comment'");
        return rows[0]?.Value ?? 'no wsrep status';
      } finally {
        await conn.end();
      }
    } catch {
      return 'down';
    }
  }

  /** Every node up and Synced, with the same cluster size. */
  async waitAllSynced(timeoutMs = 120_000): Promise<void> {
    for (const node of this.nodes) await this.waitSynced(node.index, timeoutMs);
  }

  tail(index: number, lines = 40): string {
    const log = this.nodes[index].errorLog;
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
  }

  /** SIGTERM every node (a clean shutdown), SIGKILL what has not exited after `graceMs`, and remove the folder. */
  async stop(graceMs = 20_000): Promise<void> {
    await Promise.all(
      [...this.processes.entries()].map(async ([index, child]) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
        this.processes.delete(index);
      }),
    );
    process.removeListener('exit', this.exitHook);
    if (!process.env.GALERA_KEEP_DIR) rmSync(this.root, { recursive: true, force: true });
    else this.log(`kept ${this.root}`);
  }

  private killAllNow(): void {
    for (const child of this.processes.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private install(node: GaleraNode): void {
    const dir = join(node.dataDir, '..');
    mkdirSync(dir, { recursive: true });
    if (RUN_AS) {
      const { uid, gid } = userIds(RUN_AS);
      chownSync(dir, uid, gid);
    }
    execFileSync(
      'mariadb-install-db',
      ['--no-defaults', `--datadir=${node.dataDir}`, '--auth-root-authentication-method=normal', ...(RUN_AS ? [`--user=${RUN_AS}`] : [])],
      { stdio: 'ignore' },
    );
  }

  private args(node: GaleraNode): string[] {
    const dir = join(node.dataDir, '..');
    const peers = this.nodes.map((n) => `127.0.0.1:${n.gcommPort}`).join(',');
    return [
      '--no-defaults',
      ...(RUN_AS ? [`--user=${RUN_AS}`] : []),
      `--datadir=${node.dataDir}`,
      `--port=${node.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--log-error=${node.errorLog}`,
      '--skip-name-resolve',
      '--performance-schema=OFF',
      '--max-connections=300',
      // small: three servers, three services and the load share two cores
      '--innodb-buffer-pool-size=64M',
      '--innodb-log-file-size=32M',
      '--key-buffer-size=8M',
      '--innodb-flush-log-at-trx-commit=2',
      '--default-storage-engine=InnoDB',
      '--binlog-format=ROW',
      '--innodb-autoinc-lock-mode=2',
      '--wsrep-on=ON',
      `--wsrep-provider=${GALERA_PROVIDER}`,
      '--wsrep-cluster-name=ops-galera-test',
      `--wsrep-cluster-address=gcomm://${peers}`,
      `--wsrep-node-name=${node.name}`,
      '--wsrep-node-address=127.0.0.1',
      // IST's default port is gcomm + 1, which would be the next node's gcomm port if they were adjacent: explicit
      `--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:${node.gcommPort}; ist.recv_addr=127.0.0.1:${node.gcommPort + 1}; gcache.size=256M`,
      '--wsrep-sst-method=rsync',
      `--wsrep-sst-receive-address=127.0.0.1:${node.gcommPort + 2}`,
      '--wsrep-slave-threads=2',
    ];
  }

  private spawnNode(node: GaleraNode, extra: string[]): void {
    const child = spawn('mariadbd', [...this.args(node), ...extra], { stdio: 'ignore' });
    child.once('error', (error) => this.log(`${node.name}: ${error.message}`));
    this.processes.set(node.index, child);
  }
}

function userIds(user: string): { uid: number; gid: number } {
  const [uid, gid] = execFileSync('sh', ['-c', `id -u ${user} && id -g ${user}`]).toString().trim().split('\n').map(Number);
  return { uid, gid };
}
