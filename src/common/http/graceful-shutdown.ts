import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Server as NetServer, Socket } from 'node:net';
import { AppLogger } from './app-logger';

/** How often the drain looks for connections that have been idle long enough to close. */
const SWEEP_MS = 100;

/** What a drain needs from the service (main.ts): where it logs, and what it closes once the sockets are gone. */
export interface DrainTarget {
  server: Server;
  logger: AppLogger;
  /** Readiness turns 503 (DrainState). */
  beginDraining(): void;
  /** The rest of the service: Nest's shutdown hooks, jobs, the database pool. */
  close(): Promise<void>;
}

export interface DrainSettings {
  /** The process exits within this after the signal, whatever its clients do. */
  timeoutMs: number;
  /**
   * A connection with no request under way is closed once it has been idle this long: about the keep-alive timeout
   * the server announces (`Keep-Alive: timeout=5`), so that clients which honour it have let the connection go first.
   */
  idleMs: number;
}

interface Connection {
  /** Requests under way on it (read, or being read, and not yet answered). */
  active: number;
  /** Since when (epoch ms) it has had no request under way. */
  idleSince: number;
  /** The drain sent its FIN: a request that comes in after it is never started. */
  ended: boolean;
}

/**
 * The graceful shutdown of the HTTP server, on SIGTERM or SIGINT (SPEC §11):
 * - readiness turns 503 at once, and the listening socket closes: new connections go to another instance;
 * - requests in flight, and requests that arrive on connections already open, are answered, with
 *   `Connection: close`, after which their connection closes;
 * - a connection with no request under way is closed (FIN, not a reset) once it has been idle for `idleMs`;
 * - once every connection is gone, the rest of the service closes (pool, jobs) and the process exits;
 * - at the latest after `timeoutMs`, less a reserve for closing the service, remaining connections are destroyed
 *   (an idle client that never sends, a half-sent request), and at `timeoutMs` the process exits whatever happens.
 *
 * Node's own `server.close()` is not used to stop listening: it destroys every idle keep-alive connection at once,
 * and a request its client wrote in that instant is answered with a reset (ECONNRESET on a POST the client cannot
 * know was not processed). Closing a connection that is idle is always a race with its client's next request;
 * closing it only after the keep-alive timeout the server announced makes it the same race as in normal operation.
 */
export class GracefulShutdown {
  private readonly connections = new Map<Socket, Connection>();
  /** The answers under way: those whose headers are not sent yet get `Connection: close` when the drain begins. */
  private readonly answering = new Set<ServerResponse>();
  private draining = false;
  private answeredInDrain = 0;
  private closedInDrain = 0;
  private destroyed = 0;
  private sweep?: NodeJS.Timeout;
  private whenDrained?: () => void;

  constructor(
    private readonly target: DrainTarget,
    private readonly settings: DrainSettings,
  ) {
    const { server } = target;
    server.on('connection', (socket: Socket) => this.track(socket));
    // In front of whatever answers requests (load shedding, then Fastify): a request that must not start never reaches it.
    const listeners = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', this.wrap((req, res) => listeners.forEach((listener) => listener(req, res))));
  }

  /** SIGTERM and SIGINT start the drain; a second signal during it ends the process at once. */
  listenForSignals(exit: (code: number) => void = (code) => process.exit(code)): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (!this.draining) return void this.shutDown(signal).then(exit, () => exit(1));
      this.target.logger.warn('shutdown: second signal, exiting without waiting for the drain', { signal });
      exit(1);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  /** The drain, then the service's close; resolves with the exit code once the process may exit. */
  async shutDown(signal: string): Promise<number> {
    const started = Date.now();
    const { server, logger } = this.target;
    this.draining = true;
    this.target.beginDraining();
    logger.log('shutdown: draining', { signal, in_flight: this.answering.size, connections: this.connections.size, timeout_s: this.settings.timeoutMs / 1000 });
    // Stop listening without http.Server's close(), which would destroy idle keep-alive connections at once (see above).
    NetServer.prototype.close.call(server);
    for (const res of this.answering) closeAfterAnswer(res);

    // The service's close (pool, jobs, Redis) gets a reserve of the deadline: a quarter of it, at most a second.
    const drainDeadline = started + this.settings.timeoutMs - Math.min(1_000, this.settings.timeoutMs / 4);
    const inFlightAtStart = this.answering.size;
    const connectionsAtStart = this.connections.size;
    await new Promise<void>((resolve) => {
      this.whenDrained = resolve;
      this.sweep = setInterval(() => this.closeIdle(drainDeadline), SWEEP_MS);
      this.closeIdle(drainDeadline);
    });
    clearInterval(this.sweep);

    const fields = {
      ms: Date.now() - started,
      in_flight_at_start: inFlightAtStart,
      connections_at_start: connectionsAtStart,
      answered: this.answeredInDrain,
      connections_closed: this.closedInDrain - this.destroyed,
      connections_destroyed: this.destroyed,
    };
    if (this.destroyed > 0) logger.warn('shutdown: drained, deadline reached: connections destroyed', fields);
    else logger.log('shutdown: drained', fields);

    const hardDeadline = started + this.settings.timeoutMs;
    const closed = await Promise.race([
      this.target.close().then(
        () => true,
        (error: unknown) => {
          logger.error('shutdown: closing the service failed', { error: (error as Error)?.message ?? String(error) });
          return false;
        },
      ),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), Math.max(0, hardDeadline - Date.now())).unref()),
    ]);
    if (!closed) logger.warn('shutdown: the service did not close cleanly before SHUTDOWN_TIMEOUT_SECONDS; exiting');
    return closed ? 0 : 1;
  }

  private track(socket: Socket): void {
    this.connections.set(socket, { active: 0, idleSince: Date.now(), ended: false });
    socket.once('close', () => {
      this.connections.delete(socket);
      if (!this.draining) return;
      this.closedInDrain++;
      if (this.connections.size === 0) this.whenDrained?.();
    });
  }

  private wrap(next: RequestListener): RequestListener {
    return (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
      const connection = this.connections.get(socket);
      if (connection?.ended) {
        // Its client wrote it after our FIN: it cannot be answered, so it must not run (a payment nobody hears of).
        socket.destroy();
        return;
      }
      this.answering.add(res);
      if (connection) connection.active++;
      if (this.draining) closeAfterAnswer(res);
      res.once('close', () => {
        this.answering.delete(res);
        if (this.draining) this.answeredInDrain++;
        if (!connection) return;
        connection.active--;
        connection.idleSince = Date.now();
      });
      next(req, res);
    };
  }

  /** Ends the connections idle for `idleMs`; past the drain's deadline, destroys every one left. */
  private closeIdle(deadline: number): void {
    const now = Date.now();
    for (const [socket, connection] of this.connections) {
      if (socket.destroyed) continue;
      if (now >= deadline) {
        this.destroyed++;
        socket.destroy();
      } else if (!connection.ended && connection.active === 0 && now - connection.idleSince >= this.settings.idleMs) {
        connection.ended = true;
        socket.end();
      }
    }
    if (this.connections.size === 0) this.whenDrained?.();
  }
}

/** The answer says `Connection: close`, and Node closes its connection once it is sent. */
function closeAfterAnswer(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}
