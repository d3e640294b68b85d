import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ConflictError, InsufficientFundsError, InvalidParamsError } from '../../common/errors/app-error';
import { Fen, formatYuan, MAX_TOTAL_FEN } from '../../common/money';
import { isUniqueViolation } from '../../database/db-errors';
import { exactlyOne, WriteBatch } from '../../database/sql';
import { Wallet, WalletOwnerType } from '../../database/entities/payments/wallet.entity';
import { WalletLedger } from '../../database/entities/payments/wallet-ledger.entity';

export interface WalletOwner {
  ownerType: WalletOwnerType;
  ownerId: string;
}

/** One business event that moves money: it is written to the ledger once, never twice. */
export interface WalletChange extends WalletOwner {
  /** Positive fen. */
  amount: Fen;
  bizType: string;
  bizNo: string;
  remark?: string;
}

/**
 * Wallets and their ledger. Every method takes the caller's transaction: the money moves together with
 * the business change or not at all. Balances change only through conditional updates; the statements of
 * every payment (debit, credit, ledger row) are plain SQL (database/sql.ts).
 */
@Injectable()
export class WalletService {
  /** Creates an empty wallet if the owner has none; safe under concurrency. */
  async open(em: EntityManager, owner: WalletOwner): Promise<void> {
    await em
      .createQueryBuilder()
      .insert()
      .into(Wallet)
      .values({ ownerType: owner.ownerType, ownerId: owner.ownerId, balance: 0, updatedAt: new Date() })
      .orIgnore()
      .execute();
  }

  /** Takes `amount` if the balance covers it (42201 otherwise) and writes the ledger row. */
  async debit(em: EntityManager, change: WalletChange): Promise<void> {
    await ledgered(() => this.debitWith(new WriteBatch(), change).run(em));
  }

  /**
   * `debit` as two writes of the caller's batch: the conditional update and its ledger row. When the balance does
   * not cover the amount the ledger row is written too, but the check (42201) fails, and a transaction with a failed
   * check never commits, even if a caller caught the error (database/sql.ts `assertNoFailedCheck`).
   */
  debitWith(writes: WriteBatch, change: WalletChange): WriteBatch {
    assertPositive(change.amount);
    writes.add(
      'UPDATE wallets SET balance = balance - ?, updated_at = ? WHERE owner_type = ? AND owner_id = ? AND balance >= ?',
      [change.amount, new Date(), change.ownerType, change.ownerId, change.amount],
      exactlyOne(() => new InsufficientFundsError()),
    );
    return record(writes, change, -change.amount);
  }

  /** Adds `amount` (opening the wallet if needed) and writes the ledger row; never past MAX_TOTAL_FEN (40001). */
  async credit(em: EntityManager, change: WalletChange): Promise<void> {
    assertPositive(change.amount);
    await this.open(em, change);
    const writes = new WriteBatch().add(
      'UPDATE wallets SET balance = balance + ?, updated_at = ? WHERE owner_type = ? AND owner_id = ? AND balance + ? <= ?',
      [change.amount, new Date(), change.ownerType, change.ownerId, change.amount, MAX_TOTAL_FEN],
      exactlyOne(() => new InvalidParamsError({ amount: `余额不能超过 ${formatYuan(MAX_TOTAL_FEN)} 元` })),
    );
    await ledgered(() => record(writes, change, change.amount).run(em));
  }

  /** An operator's signed adjustment: positive credits, negative debits (never below zero). */
  async adjust(em: EntityManager, change: Omit<WalletChange, 'amount'> & { delta: Fen }): Promise<void> {
    const { delta, ...rest } = change;
    if (delta === 0) throw new InvalidParamsError({ amount: 'amount 不能为 0' });
    return delta > 0 ? this.credit(em, { ...rest, amount: delta }) : this.debit(em, { ...rest, amount: -delta });
  }

  async balanceOf(em: EntityManager, owner: WalletOwner): Promise<Fen> {
    const wallet = await em.findOne(Wallet, { where: { ownerType: owner.ownerType, ownerId: owner.ownerId }, select: { balance: true } });
    return wallet?.balance ?? 0;
  }

  /** Balance and ledger sum side by side, for invariant checks (they must always be equal). */
  async audit(em: EntityManager, owner: WalletOwner): Promise<{ balance: Fen; ledgerSum: Fen; rows: number }> {
    const row = await em
      .createQueryBuilder(Wallet, 'w')
      .leftJoin(WalletLedger, 'l', 'l.wallet_id = w.id')
      .select('w.balance', 'balance')
      .addSelect('COALESCE(SUM(l.delta), 0)', 'ledgerSum')
      .addSelect('COUNT(l.id)', 'rows')
      .where('w.owner_type = :ownerType AND w.owner_id = :ownerId', owner)
      .groupBy('w.id')
      .addGroupBy('w.balance')
      .getRawOne<{ balance: number | string; ledgerSum: number | string; rows: number | string }>();
    return { balance: Number(row?.balance ?? 0), ledgerSum: Number(row?.ledgerSum ?? 0), rows: Number(row?.rows ?? 0) };
  }

}

/**
 * The ledger row of a change just applied to the wallet. The INSERT reads the wallet's id and new balance
 * itself, from the row this transaction has just updated and still locks: a SELECT round trip less on every
 * payment, and `balance_after` is the balance as written, whatever else runs concurrently.
 */
function record(writes: WriteBatch, change: WalletChange, delta: Fen): WriteBatch {
  return writes.add(
    'INSERT INTO wallet_ledger (wallet_id, delta, balance_after, biz_type, biz_no, remark, created_at) ' +
      'SELECT id, ?, balance, ?, ?, ?, ? FROM wallets WHERE owner_type = ? AND owner_id = ?',
    [delta, change.bizType, change.bizNo, change.remark ?? '', new Date(), change.ownerType, change.ownerId],
  );
}

/** A ledger row is unique per business event: a second one means the event was already applied. */
async function ledgered(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('该资金操作已处理');
    throw error;
  }
}

function assertPositive(amount: Fen): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new InvalidParamsError({ amount: 'amount 必须为正数' });
}
