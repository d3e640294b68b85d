import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ConflictError, InsufficientFundsError, InvalidParamsError } from '../../common/errors/app-error';
import { Fen, MAX_SUM_FEN } from '../../common/money';
import { isUniqueViolation } from '../../database/db-errors';
import { execute, executeOne } from '../../database/sql';
import { Wallet, WalletOwnerType } from '../../database/entities/payments/wallet.entity';

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
 * the business change or not at all. Balances change only through conditional updates, each followed by its
 * ledger row; the statements of every payment are plain SQL (database/sql.ts).
 */
@Injectable()
export class WalletService {
  /** Creates the owner's empty wallet, where the owner is created (a second one is a unique violation). */
  async open(em: EntityManager, owner: WalletOwner): Promise<void> {
    await em.insert(Wallet, { ownerType: owner.ownerType, ownerId: owner.ownerId, balance: 0, updatedAt: new Date() });
  }

  /** Takes `amount` if the balance covers it (42201 otherwise) and writes the ledger row. */
  async debit(em: EntityManager, change: WalletChange): Promise<void> {
    assertPositive(change.amount);
    await executeOne(
      em,
      'UPDATE wallets SET balance = balance - ?, updated_at = ? WHERE owner_type = ? AND owner_id = ? AND balance >= ?',
      [change.amount, new Date(), change.ownerType, change.ownerId, change.amount],
      () => new InsufficientFundsError(),
    );
    await record(em, change, -change.amount);
  }

  /**
   * Adds `amount` and writes the ledger row; 40001 when the balance would pass the cap of SPEC §1. The update comes
   * first and a wallet is created only when none matched: an insert that may find the row there takes gap locks,
   * on which parallel credits of one wallet deadlock.
   */
  async credit(em: EntityManager, change: WalletChange): Promise<void> {
    assertPositive(change.amount);
    if (!(await this.add(em, change))) {
      try {
        await this.open(em, change);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      if (!(await this.add(em, change))) throw new InvalidParamsError({ amount: '余额将超过上限' });
    }
    await record(em, change, change.amount);
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

  /** Whether the credit was applied: false when there is no wallet or it would pass the cap. */
  private async add(em: EntityManager, change: WalletChange): Promise<boolean> {
    const changed = await execute(em, 'UPDATE wallets SET balance = balance + ?, updated_at = ? WHERE owner_type = ? AND owner_id = ? AND balance <= ?', [
      change.amount,
      new Date(),
      change.ownerType,
      change.ownerId,
      MAX_SUM_FEN - change.amount,
    ]);
    return changed === 1;
  }
}

/**
 * The ledger row of a change just applied to the wallet. The INSERT reads the wallet's id and new balance
 * itself, from the row this transaction has just updated and still locks: a SELECT round trip less on every
 * payment, and `balance_after` is the balance as written, whatever else runs concurrently. A second row for the
 * same business event is a unique violation: the event was already applied.
 */
async function record(em: EntityManager, change: WalletChange, delta: Fen): Promise<void> {
  try {
    await execute(
      em,
      'INSERT INTO wallet_ledger (wallet_id, delta, balance_after, biz_type, biz_no, remark, created_at) ' +
        'SELECT id, ?, balance, ?, ?, ?, ? FROM wallets WHERE owner_type = ? AND owner_id = ?',
      [delta, change.bizType, change.bizNo, change.remark ?? '', new Date(), change.ownerType, change.ownerId],
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('该资金操作已处理');
    throw error;
  }
}

function assertPositive(amount: Fen): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new InvalidParamsError({ amount: 'amount 必须为正数' });
}
