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

/** What is known about a request from before: nothing (it is new), an answer to give again, or a refusal. */
export type Verdict = { kind: 'new' } | { kind: 'replay'; outcome: StoredOutcome } | { kind: 'refuse'; error: AppError };

/** A rule the handler itself holds (the mall's `outside_sn`): what it knows of the request from before. */
export type EarlierRequestLookup = () => Promise<Verdict>;

/**
 * A key of the request is taken by one recorded before (or committing right now): a claim key's row, or the unique
 * index behind the handler's own rule. The idempotency interceptor then judges the request.
 */
export class ClaimTakenError extends Error {
  constructor() {
    super('an idempotency key of this request is already recorded');
  }
}

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
 * unrecorded and the interceptor records the answer afterwards. A handler whose own unique index recognizes
 * duplicates adds that rule with `alsoRecognizedBy` and throws `ClaimTakenError` when the index refuses the insert.
 */
export class RequestClaim implements TransactionEpilogue {
  private recordedIn = false;
  private earlier: EarlierRequestLookup | null = null;

  constructor(
    readonly keys: ClaimKey[],
    readonly requestHash: string,
    private readonly recorder: ClaimRecorder,
  ) {}

  get recorded(): boolean {
    return this.recordedIn;
  }

  /** The keys under which `outcome` is stored: all of them for an answer, those that keep failures for a refusal. */
  keysFor(outcome: StoredOutcome): ClaimKey[] {
    return outcome.ok ? this.keys : this.keys.filter((k) => k.keepFailures);
  }

  /** Adds the handler's own rule, asked after the keys when the request is judged. */
  alsoRecognizedBy(lookup: EarlierRequestLookup): void {
    this.earlier = lookup;
  }

  /** The handler's own rule, if it added one. */
  get earlierRequest(): EarlierRequestLookup | null {
    return this.earlier;
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
 * The request's claim, or undefined when the route takes none. Handed to the handler by a parameter decorator
 * rather than through AsyncLocalStorage, whose promise hooks cost about a tenth of a payment's CPU on Node 20.
 */
export const Claim = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestClaim | undefined => (ctx.switchToHttp().getRequest() as WithClaim)[CLAIM]);
