import { isUniqueViolation } from '../database/db-errors';

export interface FreshNumberOptions {
  /** Tries in all; a collision on the last is thrown. */
  attempts: number;
  /** Tells the number's unique index refusing from other refusals the insert may meet (default: any unique violation). */
  numberTaken?: (error: unknown) => boolean;
  /** Called before each retry, e.g. to count collisions. */
  onCollision?: () => void;
}

/**
 * Inserts a numbered entity (order_no, trade_sn and order_sn, out_trade_no, refund_no, app_id) under a fresh number.
 * Uniqueness is the index's: `insert` draws a number for its attempt (1, 2, ...) and inserts; when the index refuses
 * the number (another instance drew it in the same instant), it is run again for the next attempt. Any other error,
 * or a collision on the last attempt, is thrown.
 */
export async function insertUnderFreshNumber<T>(insert: (attempt: number) => Promise<T>, options: FreshNumberOptions): Promise<T> {
  const numberTaken = options.numberTaken ?? isUniqueViolation;
  for (let attempt = 1; ; attempt++) {
    try {
      return await insert(attempt);
    } catch (error) {
      if (!numberTaken(error) || attempt >= options.attempts) throw error;
      options.onCollision?.();
    }
  }
}
