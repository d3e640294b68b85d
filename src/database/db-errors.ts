/** Engine-neutral reading of driver errors. */
export function driverCode(error: unknown): string | undefined {
  const err = error as { code?: string; driverError?: { code?: string } } | null;
  return err?.driverError?.code ?? err?.code;
}

export function isUniqueViolation(error: unknown): boolean {
  const code = driverCode(error);
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Deadlocks and lock-wait timeouts: the whole transaction may be retried. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = driverCode(error);
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY';
}

const CONNECTION_FAILURE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY',
  // our own, from the pool guard (pool-guard.ts)
  'DB_UNREACHABLE',
  'DB_ACQUIRE_TIMEOUT',
  'DB_BUSY',
]);

/**
 * A Galera node that accepts connections but is not part of the primary component or not synced yet (while it
 * joins, after it lost its peers) refuses every data query with 1047 `ER_UNKNOWN_COM_ERROR`, "WSREP has not yet
 * prepared node for application use". The node, not the request, is at fault: the same request succeeds on a
 * ready node, or on this one a few seconds later.
 */
export function isNodeNotReady(error: unknown): boolean {
  const err = error as { errno?: number; driverError?: { errno?: number } } | null;
  const errno = err?.driverError?.errno ?? err?.errno;
  if (driverCode(error) === 'ER_UNKNOWN_COM_ERROR' || errno === 1047) return true;
  const message = (error as { message?: string } | null)?.message ?? '';
  return /WSREP has not yet prepared node|node is not ready/i.test(message);
}

/** Our own pool guard's refusals when it is busy, not gone (pool-guard.ts): load shedding at the pool. */
export function isOverload(error: unknown): boolean {
  const code = driverCode(error);
  return code === 'DB_BUSY' || code === 'DB_ACQUIRE_TIMEOUT';
}

/** The database is not reachable right now (or too busy to hand out a connection, or not ready): not a bug, a 503. */
export function isConnectionFailure(error: unknown): boolean {
  const code = driverCode(error);
  if (code && CONNECTION_FAILURE_CODES.has(code)) return true;
  if (isNodeNotReady(error)) return true;
  const message = (error as { message?: string } | null)?.message ?? '';
  return /connection is in closed state|Pool is closed|Connection lost|Can't add new command when connection is in closed state|connect ETIMEDOUT/i.test(message);
}

/** Affected rows of an UPDATE/DELETE, on both drivers. */
export function affectedRows(result: { affected?: number | null }): number {
  return result.affected ?? 0;
}
