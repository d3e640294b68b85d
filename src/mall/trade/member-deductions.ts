import { EntityManager } from 'typeorm';
import { MallMember } from '../../database/entities/mall/mall-member.entity';
import { WalletService } from '../../payments/wallet/wallet.service';

/** The `point` and `balance` deductions of a trade or of one of its orders. */
export interface MemberDeductions {
  uid: number;
  points: number;
  balanceAmount: number;
}

/**
 * Gives a member back the points and mall balance a closed trade or a fully refunded order took; the balance goes
 * back through the wallet, with its ledger row (`bizType`, `bizNo`), in the caller's transaction.
 */
export async function returnDeductions(em: EntityManager, wallets: WalletService, taken: MemberDeductions, ledger: { bizType: string; bizNo: string; remark: string }): Promise<void> {
  if (taken.points > 0) await em.increment(MallMember, { uid: taken.uid }, 'points', taken.points);
  if (taken.balanceAmount > 0) {
    await wallets.credit(em, { ownerType: 'mall_member', ownerId: String(taken.uid), amount: taken.balanceAmount, ...ledger });
  }
}
