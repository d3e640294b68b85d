import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateTimeColumn, FenColumn } from '../../columns';

/** A POS gift pack the partner app sells; buying it may grant a level and score. */
@Entity('partner_gift_packs')
export class GiftPack {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id: string;

  @Column({ type: 'varchar', length: 128 })
  title: string;

  @FenColumn()
  price: number;

  @Column({ type: 'varchar', length: 16, nullable: true })
  levelId: string | null;

  @Column({ type: 'int', default: 0 })
  score: number;

  /** Units left; null is unlimited. Taken only by a conditional `stock >= 1` update. */
  @Column({ type: 'int', nullable: true })
  stock: number | null;

  @Column({ type: 'boolean', default: true })
  onSale: boolean;

  @DateTimeColumn()
  createdAt: Date;
}
