import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { BigIntColumn, DateTimeColumn } from '../../columns';

/** A mall member (商城会员). Their balance is a `mall_member` wallet in Payments; points live here. */
@Entity('mall_members')
export class MallMember {
  @PrimaryGeneratedColumn()
  uid: number;

  @Column({ type: 'varchar', length: 20 })
  mobile: string;

  @Column({ type: 'varchar', length: 64, default: '' })
  nickname: string;

  /** Changed only through conditional updates (`points >= n`). */
  @BigIntColumn({ default: 0 })
  points: number;

  @DateTimeColumn()
  createdAt: Date;
}
