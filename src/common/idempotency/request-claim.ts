import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TransactionEpilogue } from '../../database/transaction.service';
import type { AppError } from '../errors/app-error';

/** One rule that can recognize a request as seen before (SPEC §3): a nonce, an Idempotency-Key, identical content. */
export interface ClaimKey {
  key: string;
  ttlSeconds: number;
  /** The refusal when the key was seen with other parameters. */
  mismatch: () => AppError;
  /** A business refusal is remembered under this key too (otherwise only successes are). */
  keepFailures: boolean;
}

/** What the claim records: the handler's answer, or the business error it ended with. */
export type StoredOutcome =
  | { ok: true; data: unknown }
  | { ok: false; code: number; msg: string; errors: Record<string, string>; httpStatus: number };

/** Writes a claim's rows with an outcome, in the transaction it is given (implemented by IdempotencyService). */
export interface ClaimRecorder {
  record(em: EntityManager, claim: RequestClaim, outcome: StoredOutcome): Promise<void>;
}

/**
 * The keys under which a request must happen at most once, and its hash (route and canonical parameters).
 *
 * A use case with an effect passes the claim to `TransactionService.run` and returns the transaction's result as
 * the request's answer: the claim's rows are then written with that answer as the transaction's last statement, so
 * the answer commits exactly with the effect, and a duplicate running beside it fails on the keys' primary key and
 * rolls back whole (the interceptor then replays the stored answer). A handler that writes nothing leaves the claim
 * unrecorded and the interceptor records the answer afterwards.
 */
export class RequestClaim implements TransactionEpilogue {
  private recordedIn = false;

  constructor(
    readonly keys: ClaimKey[],
    readonly requestHash: string,
    private readonly recorder: ClaimRecorder,
  ) {}

  get recorded(): boolean {
    return this.recordedIn;
  }

  async writeIn(em: EntityManager, result: unknown): Promise<void> {
    await this.recorder.record(em, this, { ok: true, data: result });
    this.recordedIn = true;
  }
}

const CLAIM = Symbol('request-claim');

type WithClaim = { [CLAIM]?: RequestClaim };

/** Called by the idempotency interceptor before the handler runs. */
export function attachClaim(req: unknown, claim: RequestClaim): void {
  (req as WithClaim)[CLAIM] = claim;
}

/**
 * The request's claim, or undefined when no rule applies to it. Handed to the handler by a parameter decorator
 * rather than through AsyncLocalStorage, whose promise hooks cost about a tenth of a payment's CPU on Node 20.
 */
export const Claim = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestClaim | undefined => (ctx.switchToHttp().getRequest() as WithClaim)[CLAIM]);
