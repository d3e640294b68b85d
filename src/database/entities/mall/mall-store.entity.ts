import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { DateTimeColumn, FenColumn } from '../../columns';

/** An optional extra a buyer may choose for a store's order (gift wrap, installation...). */
export interface MallServiceFee {
  code: string;
  name: string;
  /** fen */
  amount: number;
}

/** A seller inside the mall: each store's goods in a request become one order. */
@Entity('mall_stores')
export class MallStore {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  /** Flat shipping per order of this store (express is the only dispatch type). */
  @FenColumn()
  dispatchPrice: number;

  @Column({ type: 'simple-json' })
  serviceFees: MallServiceFee[];

  @DateTimeColumn()
  createdAt: Date;
}
