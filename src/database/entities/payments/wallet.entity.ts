import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { DateTimeColumn, FenColumn } from '../../columns';

export type WalletOwnerType = 'partner_user' | 'mall_member';

/** A balance in fen. Changed only by conditional updates that also write a ledger row. */
@Entity('wallets')
@Index('uq_wallet_owner', ['ownerType', 'ownerId'], { unique: true })
export class Wallet {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 16 })
  ownerType: WalletOwnerType;

  @Column({ type: 'varchar', length: 64 })
  ownerId: string;

  @FenColumn()
  balance: number;

  @DateTimeColumn()
  updatedAt: Date;
}
