import { QueryFailedError } from 'typeorm';
import { isConnectionFailure, isNodeNotReady, isRetryableTransactionError } from './db-errors';

/** What mysql2 raises for a server error, wrapped as TypeORM wraps it. */
function serverError(code: string, errno: number, message: string): QueryFailedError {
  const driverError = Object.assign(new Error(message), { code, errno, sqlState: '08S01', sqlMessage: message });
  return new QueryFailedError('SELECT 1', [], driverError);
}

describe('db-errors on a Galera node', () => {
  it('1047 "WSREP has not yet prepared node for application use" is the database being unavailable (503), not retried in the transaction', () => {
    const notReady = serverError('ER_UNKNOWN_COM_ERROR', 1047, 'WSREP has not yet prepared node for application use');
    expect(isNodeNotReady(notReady)).toBe(true);
    expect(isConnectionFailure(notReady)).toBe(true);
    expect(isRetryableTransactionError(notReady)).toBe(false);
    expect(isConnectionFailure(new Error('WSREP has not yet prepared node for application use'))).toBe(true);
  });

  it('a certification failure (1213, another node\'s write won) is retried like a deadlock', () => {
    const certification = serverError('ER_LOCK_DEADLOCK', 1213, 'Deadlock found when trying to get lock; try restarting transaction');
    expect(isRetryableTransactionError(certification)).toBe(true);
    expect(isConnectionFailure(certification)).toBe(false);
  });

  it('other server errors are neither', () => {
    const duplicate = serverError('ER_DUP_ENTRY', 1062, "Duplicate entry 'x' for key 'uq'");
    expect(isNodeNotReady(duplicate)).toBe(false);
    expect(isConnectionFailure(duplicate)).toBe(false);
  });
});
