/** Engine-neutral reading of driver errors. */
function driverCode(error: unknown): string | undefined {
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

/** Affected rows of an UPDATE/DELETE, on both drivers. */
export function affectedRows(result: { affected?: number | null }): number {
  return result.affected ?? 0;
}
