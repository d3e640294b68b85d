import { Agent, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppLogger } from './app-logger';
import { LoadLimits, withLoadShedding } from './load-shedding';

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

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server behind `withLoadShedding` with 2 slots: `/hold` is held until the test ends it, anything else answered at once. */
function shedServer(limits: Omit<LoadLimits, 'maxInFlight'>) {
  let server: Server;
  const context = { port: 0, held: [] as ServerResponse[], started: [] as string[] };
  const logger = new AppLogger('silent');

  beforeEach(async () => {
    const app = (req: IncomingMessage, res: ServerResponse) => {
      context.started.push(req.url ?? '');
      if (req.url === '/hold') context.held.push(res);
      else res.end('{"ok":true}');
    };
    server = createServer(withLoadShedding(app, { maxInFlight: 2, ...limits }, logger));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    context.port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    for (const res of context.held.splice(0)) res.end();
    context.started.splice(0);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Takes both slots. */
  const fill = async (): Promise<Promise<Answer>[]> => {
    const inFlight = [send(context.port, '/hold'), send(context.port, '/hold')];
    while (context.held.length < 2) await pause(5);
    return inFlight;
  };
  return { context, fill };
}

describe('withLoadShedding without a queue (MAX_QUEUE=0)', () => {
  const { context, fill } = shedServer({ maxQueue: 0, maxQueueMs: 1_000 });
  const held = context.held;
  let port: number;
  beforeEach(() => (port = context.port));

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

describe('withLoadShedding with a queue (MAX_QUEUE, MAX_QUEUE_MS)', () => {
  const MAX_QUEUE_MS = 400;
  const { context, fill } = shedServer({ maxQueue: 3, maxQueueMs: MAX_QUEUE_MS });

  /** Sends the requests one after the other, a moment apart so that they arrive in that order; the answers are still to come. */
  async function sendInTurn(...paths: string[]): Promise<Promise<Answer>[]> {
    const answers: Promise<Answer>[] = [];
    for (const path of paths) {
      answers.push(send(context.port, path));
      await pause(30);
    }
    return answers;
  }

  it('past MAX_IN_FLIGHT a request waits for a slot, and the waiting ones start in the order they came', async () => {
    await fill();
    const waiting = await sendInTurn('/a', '/b', '/c');
    expect(context.started).toEqual(['/hold', '/hold']);
    context.held.shift()!.end('{}');
    await waiting[0];
    context.held.shift()!.end('{}');
    const answers = await Promise.all(waiting);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(context.started).toEqual(['/hold', '/hold', '/a', '/b', '/c']);
  });

  it('a request still waiting after MAX_QUEUE_MS is answered 503 服务繁忙 with Retry-After, and never starts', async () => {
    await fill();
    const answer = await send(context.port, '/app/partner/order/pay');
    expect(answer).toMatchObject({ status: 503, retryAfter: '1', body: { code: 50001, msg: '服务繁忙' } });
    expect(answer.ms).toBeGreaterThanOrEqual(0.85 * MAX_QUEUE_MS - 50);
    expect(answer.ms).toBeLessThan(MAX_QUEUE_MS + 1_000);
    expect(context.started).toEqual(['/hold', '/hold']);
  });

  it('past MAX_QUEUE waiting requests the next one is refused at once', async () => {
    await fill();
    const waiting = await sendInTurn('/a', '/b', '/c');
    const refused = await send(context.port, '/d');
    expect(refused).toMatchObject({ status: 503, retryAfter: '1' });
    expect(refused.ms).toBeLessThan(MAX_QUEUE_MS / 2);
    context.held.splice(0).forEach((res) => res.end('{}'));
    expect((await Promise.all(waiting)).map((a) => a.status)).toEqual([200, 200, 200]);
    expect(context.started).toEqual(['/hold', '/hold', '/a', '/b', '/c']);
  });

  it('after a refusal a full instance refuses at once (a flood), and queues again once MAX_QUEUE_MS passed without one', async () => {
    await fill();
    expect((await send(context.port, '/timed-out')).status).toBe(503);
    const flooded = await send(context.port, '/x');
    expect(flooded.status).toBe(503);
    expect(flooded.ms).toBeLessThan(MAX_QUEUE_MS / 2);
    await pause(MAX_QUEUE_MS + 100);
    const queued = send(context.port, '/y');
    await pause(MAX_QUEUE_MS / 2);
    context.held.shift()!.end('{}');
    expect(await queued).toMatchObject({ status: 200 });
  });

  it('a waiting request whose client went away leaves the queue and never starts', async () => {
    await fill();
    const gone = request({ port: context.port, path: '/gone', method: 'POST', agent: false });
    gone.on('error', () => undefined);
    gone.end();
    await pause(50);
    gone.destroy();
    await pause(50);
    const [next] = await sendInTurn('/next');
    context.held.shift()!.end('{}');
    expect(await next).toMatchObject({ status: 200 });
    expect(context.started).toEqual(['/hold', '/hold', '/next']);
  });

  it('never queues /health', async () => {
    await fill();
    const health = await send(context.port, '/health');
    expect(health.status).toBe(200);
    expect(health.ms).toBeLessThan(MAX_QUEUE_MS / 2);
  });
});
