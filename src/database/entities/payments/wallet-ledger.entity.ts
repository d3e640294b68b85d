import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { BigIntColumn, DateTimeColumn } from '../../columns';

/** One row per wallet change; unique per business event, so an event can never move money twice. */
@Entity('wallet_ledger')
@Index('uq_ledger_event', ['walletId', 'bizType', 'bizNo'], { unique: true })
export class WalletLedger {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  walletId: number;

  /** Signed fen: negative is a debit. */
  @BigIntColumn()
  delta: number;

  @BigIntColumn()
  balanceAfter: number;

  /** What moved the money: `partner_order_pay`, `admin_adjust`, `mall_trade_deduct`, ... */
  @Column({ type: 'varchar', length: 32 })
  bizType: string;

  @Column({ type: 'varchar', length: 64 })
  bizNo: string;

  @Column({ type: 'varchar', length: 255, default: '' })
  remark: string;

  @DateTimeColumn()
  createdAt: Date;
}
