import type { Server, Socket } from 'node:net';

/** The longest a new connection's first read is held back while connections keep arriving. */
export const MAX_ACCEPT_HOLD_MS = 2_000;

/**
 * Accepts every connection waiting in the listen queue before reading any new connection's request.
 *
 * libuv (since 1.45: Node 20) accepts one connection per turn of the event loop. When 2000 clients connect at once,
 * the connections accepted first send their requests at once, and the turns that read and answer them grow long
 * (half a second for the first batch, 10 to 50 ms each after it while the instance is full): the rest of the
 * queue, and a health probe or a fresh client behind it, is then accepted at that pace, 10 to 100 connections a
 * second, and waited up to 10 s in the kernel's queue although its TCP handshake had long completed
 * (docs/resilience.md, "The opening of the flood").
 *
 * So a new connection starts paused, and its reading starts at the first turn of the loop that accepted nothing:
 * the queue is empty. Those turns are short while only accepts happen (a burst of 2000 is taken in about 0.3 s),
 * and the requests are then read in the order the connections came. Under a stream of new connections that never
 * lets the queue empty, reading starts after `maxHoldMs` at the latest. A lone connection waits one more turn.
 */
export function acceptFirst(server: Server, maxHoldMs = MAX_ACCEPT_HOLD_MS): void {
  let held: Socket[] = [];
  let heldSince = 0;
  let acceptedThisTurn = false;
  let checking = false;

  const check = () => {
    if (acceptedThisTurn && Date.now() - heldSince < maxHoldMs) {
      // The queue may hold more: look again in the next turn (a pending immediate keeps the poll from blocking).
      acceptedThisTurn = false;
      setImmediate(check);
      return;
    }
    checking = false;
    acceptedThisTurn = false;
    const sockets = held;
    held = [];
    for (const socket of sockets) if (!socket.destroyed) socket.resume();
  };

  // net.Server reads this when it wraps an accepted handle: the socket starts without reading.
  (server as Server & { pauseOnConnect: boolean }).pauseOnConnect = true;
  server.on('connection', (socket: Socket) => {
    held.push(socket);
    acceptedThisTurn = true;
    if (checking) return;
    checking = true;
    heldSince = Date.now();
    setImmediate(check);
  });
}
