import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { DateTimeColumn } from '../../columns';

/** A delivery address of a partner user; orders copy it, so later edits never change an order. */
@Entity('partner_addresses')
@Index('ix_partner_address_user', ['userId'])
export class PartnerAddress {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 32 })
  userId: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'varchar', length: 20 })
  phone: string;

  @Column({ type: 'varchar', length: 32 })
  province: string;

  @Column({ type: 'varchar', length: 32 })
  city: string;

  @Column({ type: 'varchar', length: 32, default: '' })
  district: string;

  @Column({ type: 'varchar', length: 255 })
  detail: string;

  @DateTimeColumn()
  createdAt: Date;
}
