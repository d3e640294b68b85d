import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn, DateTimeColumn } from '../../columns';

/** A user of the partner app. The wallet balance lives in Payments (`wallets`, owner type `partner_user`). */
@Entity('partner_users')
export class PartnerUser {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id: string;

  @Column({ type: 'varchar', length: 20 })
  phone: string;

  @Column({ type: 'varchar', length: 64 })
  realName: string;

  @Column({ type: 'varchar', length: 32, default: '' })
  idNo: string;

  @Column({ type: 'varchar', length: 16, nullable: true })
  levelId: string | null;

  @BigIntColumn({ default: 0 })
  score: number;

  @DateTimeColumn()
  createdAt: Date;
}
