import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { AppLogger } from './app-logger';
import { GracefulShutdown } from './graceful-shutdown';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw client connection: what it received, and whether the server ended (FIN) or reset it. */
interface Client {
  socket: Socket;
  received: () => string;
  /** Resolves with how it closed: `end` (FIN from the server) or the error code (ECONNRESET). */
  closed: Promise<string>;
}

function open(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<string>((done) => {
      socket.on('end', () => done('end'));
      socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'error'));
    });
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
    socket.once('error', reject);
  });
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

async function answerOn(client: Client, path: string): Promise<string> {
  const before = client.received().length;
  client.socket.write(GET(path));
  for (let i = 0; i < 100 && !/\r\n\r\nok/.test(client.received().slice(before)); i++) await pause(10);
  return client.received().slice(before);
}

describe('GracefulShutdown', () => {
  const IDLE_MS = 300;
  const TIMEOUT_MS = 1_600;
  let server: Server;
  let port: number;
  let shutdown: GracefulShutdown;
  let held: ServerResponse[];
  let started: string[];
  let closed: jest.Mock;
  let draining: jest.Mock;

  beforeEach(async () => {
    held = [];
    started = [];
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      started.push(req.url ?? '');
      if (req.url === '/hold') held.push(res);
      else req.resume().on('end', () => res.end('ok'));
    });
    server.keepAliveTimeout = 60_000;
    closed = jest.fn().mockResolvedValue(undefined);
    draining = jest.fn();
    shutdown = new GracefulShutdown({ server, logger: new AppLogger('silent'), beginDraining: draining, close: closed }, { timeoutMs: TIMEOUT_MS, idleMs: IDLE_MS });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(() => {
    server.closeAllConnections();
    server.close();
  });

  it('answers the request in flight and a request sent on an idle keep-alive connection, with Connection: close; refuses new connections', async () => {
    const busy = await open(port);
    busy.socket.write(GET('/hold'));
    const idle = await open(port);
    expect(await answerOn(idle, '/warm')).toMatch(/^HTTP\/1.1 200[\s\S]*Connection: keep-alive/);
    while (held.length < 1) await pause(5);

    const done = shutdown.shutDown('SIGTERM');
    expect(draining).toHaveBeenCalled();
    await pause(50);
    expect(await answerOn(idle, '/during')).toMatch(/^HTTP\/1.1 200[\s\S]*Connection: close/);
    expect(await idle.closed).toBe('end');
    await expect(open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    held[0].end('ok');
    expect(await busy.closed).toBe('end');
    expect(busy.received()).toMatch(/^HTTP\/1.1 200[\s\S]*Connection: close/);
    const startedAt = Date.now();
    expect(await done).toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(IDLE_MS);
    expect(closed).toHaveBeenCalled();
  });

  it('ends (FIN, no reset) a connection idle for the keep-alive timeout, and a request written after that is never started', async () => {
    const silent = await open(port);
    const used = await open(port);
    await answerOn(used, '/warm');
    const startedAt = Date.now();
    const done = shutdown.shutDown('SIGTERM');
    expect(await silent.closed).toBe('end');
    expect(await used.closed).toBe('end');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(IDLE_MS - 20);
    // The client did not see the FIN in time and writes a request: it cannot be answered, so it must not run.
    used.socket.write(GET('/late'));
    await pause(50);
    expect(started).toEqual(['/warm']);
    expect(await done).toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(TIMEOUT_MS);
  });

  it('destroys what its clients hold open (a half-sent request, a request still running) before SHUTDOWN_TIMEOUT, and exits', async () => {
    const halfSent = await open(port);
    halfSent.socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
    const running = await open(port);
    running.socket.write(GET('/hold'));
    while (held.length < 1) await pause(5);
    const startedAt = Date.now();
    expect(await shutdown.shutDown('SIGTERM')).toBe(0);
    const ms = Date.now() - startedAt;
    expect(ms).toBeGreaterThan(TIMEOUT_MS / 2);
    expect(ms).toBeLessThan(TIMEOUT_MS);
    // Destroyed: closed without an answer.
    await Promise.all([halfSent.closed, running.closed]);
    expect([halfSent.received(), running.received()]).toEqual(['', '']);
  });
});
