import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { updateWhere } from '../../database/sql';
import { IllegalStateError } from '../errors/app-error';

type Status = string | number;

/** The moves a status may make, as data: `{ [from]: [to, ...] }` (Vendure's `default-order-process.ts`). */
export type TransitionTable<S extends Status> = { readonly [from in S]: readonly S[] };

/**
 * One lifecycle: an entity, its status field and its table of moves. Every move of partner orders, mall trades,
 * mall orders and refunds goes through `transition()`: a conditional UPDATE ... WHERE status = from, so that of
 * concurrent moves (a notify and a cancel, two job instances, twenty refunds) exactly one wins. A move outside the
 * table and a move that lost the race are both 42204, in every module.
 */
export class Lifecycle<E extends ObjectLiteral, S extends Status> {
  constructor(
    readonly name: string,
    private readonly entity: EntityTarget<E>,
    private readonly statusField: keyof E & string,
    readonly table: TransitionTable<S>,
  ) {}

  canMove(from: S, to: S): boolean {
    return (this.table[from] ?? []).includes(to);
  }

  /** Every allowed move as `from→to`, for tests and documentation. */
  moves(): string[] {
    return (Object.keys(this.table) as S[]).flatMap((from) => this.table[from].map((to) => `${from}→${to}`));
  }

  /**
   * Moves the one row `where` picks from `from` to `to` with `changes`; 42204 (with the action's own `refusal`
   * message, if given) when forbidden or when it was not in `from`.
   */
  async transition(em: EntityManager, where: Partial<E>, from: S, to: S, changes: Partial<E> = {}, refusal?: string): Promise<void> {
    if (!this.canMove(from, to) || (await this.transitionAll(em, where, from, to, changes)) !== 1) throw new IllegalStateError(refusal);
  }

  /** Moves every row `where` picks that is still in `from` (the orders of a trade); returns how many moved. */
  async transitionAll(em: EntityManager, where: Partial<E>, from: S, to: S, changes: Partial<E> = {}): Promise<number> {
    if (!this.canMove(from, to)) throw new IllegalStateError();
    return updateWhere(em, this.entity, { ...where, [this.statusField]: from } as Partial<E>, { ...changes, [this.statusField]: to } as Partial<E>);
  }
}

/**
 * For the callers to whom a lost race is an outcome rather than a refusal (a settling notify that finds the order
 * closed, a job that finds it settled): true when the move happened, false when it was 42204.
 */
export async function moved(move: Promise<void>): Promise<boolean> {
  try {
    await move;
    return true;
  } catch (error) {
    if (error instanceof IllegalStateError) return false;
    throw error;
  }
}
