import { EntityManager, EntityTarget, FindOperator, FindOptionsWhere, ObjectLiteral, QueryDeepPartialEntity } from 'typeorm';
import { affectedRows } from '../../database/db-errors';
import { updateWhere } from '../../database/sql';
import { IllegalStateError } from '../errors/app-error';

type Status = string | number;

/** The moves a status may make, as data: `{ [from]: [to, ...] }` (Vendure's `default-order-process.ts`). */
export type TransitionTable<S extends Status> = { readonly [from in S]: readonly S[] };

/**
 * One lifecycle: an entity, its status field and its table of moves. Every status write of the schema (orders,
 * trades, refunds, payments, coupons, merchant notifications) goes through `transition()`: a conditional
 * UPDATE ... WHERE status = from, so that of concurrent moves (a notify and a cancel, two job instances, twenty
 * refunds) exactly one wins. A move outside the table and a move that lost the race are both 42204, in every
 * module. Inserts write a row's first status; lifecycles.spec.ts fails on any other status write.
 */
export class Lifecycle<E extends ObjectLiteral, S extends Status> {
  /** Every status of the table, typed: object keys are strings, so numeric statuses are read back as numbers. */
  readonly statuses: readonly S[];

  constructor(
    readonly name: string,
    readonly entity: EntityTarget<E>,
    readonly statusField: keyof E & string,
    readonly table: TransitionTable<S>,
  ) {
    this.statuses = Object.keys(table).map((key) => (/^-?\d+$/.test(key) ? Number(key) : key) as S);
  }

  canMove(from: S, to: S): boolean {
    return (this.table[from] ?? []).includes(to);
  }

  /** The statuses that may move to `to`: sets such as "refundable" are read from the table, not repeated. */
  sourcesOf(to: S): S[] {
    return this.statuses.filter((from) => this.canMove(from, to));
  }

  /**
   * Moves the one row `where` picks from `from` to `to` with `changes`; 42204 (with the action's own `refusal`
   * message, if given) when forbidden or when it was not in `from`.
   */
  async transition(em: EntityManager, where: FindOptionsWhere<E>, from: S, to: S, changes: Partial<E> = {}, refusal?: string): Promise<void> {
    if (!this.canMove(from, to) || (await this.transitionAll(em, where, from, to, changes)) !== 1) throw new IllegalStateError(refusal);
  }

  /**
   * Moves every row `where` picks that is still in `from` (the orders of a trade, the coupons a trade takes), in one
   * statement; returns how many moved, for callers that expect a number of rows or answer a shortfall their own way.
   * Plain equality conditions (every move a notify makes) take the plain SQL of database/sql.ts; conditions with
   * operators (`In` a list of ids, a coupon's expiry) take TypeORM's update.
   */
  async transitionAll(em: EntityManager, where: FindOptionsWhere<E>, from: S, to: S, changes: Partial<E> = {}): Promise<number> {
    if (!this.canMove(from, to)) throw new IllegalStateError();
    const criteria = { ...where, [this.statusField]: from };
    const update = { ...changes, [this.statusField]: to };
    if (Object.values(where).some((value) => value instanceof FindOperator)) {
      return affectedRows(await em.update(this.entity, criteria as FindOptionsWhere<E>, update as QueryDeepPartialEntity<E>));
    }
    return updateWhere(em, this.entity, criteria as Partial<E>, update as Partial<E>);
  }
}

/**
 * For the callers to whom a lost race is an outcome rather than a refusal (a settling notify that finds the order
 * closed, a job that finds it settled): true when the move happened, false when it was 42204.
 */
export async function moved(move: Promise<unknown>): Promise<boolean> {
  try {
    await move;
    return true;
  } catch (error) {
    if (error instanceof IllegalStateError) return false;
    throw error;
  }
}
