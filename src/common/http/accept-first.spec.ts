import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptFirst } from './accept-first';

/**
 * Opens `count` connections from a process of its own, each writing one line; once all are connected (by the
 * kernel: this process need not have accepted them) it creates the file `flag`. Returns a function that ends it.
 */
function connectFromAnotherProcess(port: number, count: number, flag: string): () => void {
  const script = `
    const net = require('node:net');
    let connected = 0;
    for (let i = 0; i < ${count}; i++) {
      const s = net.connect(${port}, '127.0.0.1', () => { s.write('hello\\n'); if (++connected === ${count}) require('node:fs').writeFileSync(${JSON.stringify(flag)}, ''); });
      s.on('error', () => {});
    }
    process.stdin.on('end', () => process.exit(0)).resume();
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'ignore', 'inherit'] });
  return () => child.stdin!.end();
}

/** Keeps the event loop from turning (nothing is accepted or read) until `flag` exists. */
function blockUntilExists(flag: string): void {
  const until = Date.now() + 10_000;
  while (!existsSync(flag) && Date.now() < until);
}

describe('acceptFirst', () => {
  let server: Server;
  let port: number;
  let accepted: number;
  /** How many connections had been accepted when each line was read. */
  let acceptedAtRead: number[];
  let dir: string;
  let stop: () => void = () => undefined;

  beforeEach(async () => {
    accepted = 0;
    acceptedAtRead = [];
    dir = mkdtempSync(join(tmpdir(), 'accept-first-'));
    server = createServer((socket: Socket) => {
      accepted++;
      socket.on('data', () => acceptedAtRead.push(accepted));
    });
    acceptFirst(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 512, resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    stop();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts every connection waiting in the queue before it reads any new connection', async () => {
    // All 200 wait in the kernel's queue, their lines sent, before the loop turns again.
    const flag = join(dir, 'connected');
    stop = connectFromAnotherProcess(port, 200, flag);
    blockUntilExists(flag);
    while (acceptedAtRead.length < 200) await new Promise((r) => setTimeout(r, 5));
    expect(accepted).toBe(200);
    expect(Math.min(...acceptedAtRead)).toBe(200);
  });

  it('reads a lone connection at once', async () => {
    const started = Date.now();
    stop = connectFromAnotherProcess(port, 1, join(dir, 'connected'));
    while (acceptedAtRead.length < 1) await new Promise((r) => setTimeout(r, 1));
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
