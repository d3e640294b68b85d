import { Agent, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppLogger } from './app-logger';
import { withLoadShedding } from './load-shedding';

interface Answer {
  status: number;
  retryAfter?: string;
  requestId?: string;
  body: any;
  ms: number;
  nosniff?: string;
  cacheControl?: string;
}

function send(port: number, path: string, agent: Agent | false = false, headers: Record<string, string> = {}): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request({ port, path, method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: res.headers['retry-after'] as string | undefined,
          requestId: res.headers['x-request-id'] as string | undefined,
          nosniff: res.headers['x-content-type-options'] as string | undefined,
          cacheControl: res.headers['cache-control'] as string | undefined,
          body: text ? JSON.parse(text) : null,
          ms: Date.now() - started,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('withLoadShedding', () => {
  let server: Server;
  let port: number;
  const held: ServerResponse[] = [];
  const logger = new AppLogger('silent');

  beforeEach(async () => {
    const app = (req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/hold') held.push(res);
      else res.end('{"ok":true}');
    };
    server = createServer(withLoadShedding(app, 2, logger));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    for (const res of held.splice(0)) res.end();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function fill(): Promise<Promise<Answer>[]> {
    const inFlight = [send(port, '/hold'), send(port, '/hold')];
    while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
    return inFlight;
  }

  it('answers 503 服务繁忙 with Retry-After at once past the limit, in the envelope of the path', async () => {
    await fill();
    const partner = await send(port, '/app/partner/order/pay');
    expect(partner).toMatchObject({ status: 503, retryAfter: '1', nosniff: 'nosniff', cacheControl: 'no-store', body: { code: 50001, errors: { request_id: expect.stringMatching(/^\w{32}$/) }, msg: '服务繁忙', result: {} } });
    expect(partner.ms).toBeLessThan(500);
    const mall = await send(port, '/order/create');
    expect(mall).toMatchObject({ status: 503, body: { result: 0, msg: '服务繁忙', data: { code: 50001 } } });
  });

  it("keeps the caller's X-Request-Id on a refusal, as on any answer, and replaces one it would not log", async () => {
    await fill();
    const named = await send(port, '/app/partner/order/pay', false, { 'X-Request-Id': 'app-7.retry-2' });
    expect(named).toMatchObject({ status: 503, requestId: 'app-7.retry-2', body: { errors: { request_id: 'app-7.retry-2' } } });
    const odd = await send(port, '/app/partner/order/pay', false, { 'X-Request-Id': 'a b' });
    expect(odd.requestId).toMatch(/^\w{32}$/);
    expect(odd.body.errors.request_id).toBe(odd.requestId);
  });

  it('never sheds /health and its probes, and takes requests again once one in flight is done', async () => {
    const inFlight = await fill();
    for (const probe of ['/health', '/health/live', '/health/ready']) expect((await send(port, probe)).status).toBe(200);
    expect((await send(port, '/healthz')).status).toBe(503);
    held.shift()!.end('{}');
    // The first response held need not be the first request's: whichever finishes frees the slot.
    await Promise.race(inFlight);
    expect((await send(port, '/ping')).status).toBe(200);
  });

  it('a connection that asks again before Retry-After waits it out and is told to wait longer; a new connection is answered at once', async () => {
    await fill();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await send(port, '/x', agent)).toMatchObject({ status: 503, retryAfter: '1' });
    const again = await send(port, '/x', agent);
    expect(again).toMatchObject({ status: 503, retryAfter: '2' });
    expect(again.ms).toBeGreaterThanOrEqual(800);
    const fresh = await send(port, '/x');
    expect(fresh.status).toBe(503);
    expect(fresh.ms).toBeLessThan(500);
    agent.destroy();
  });
});
