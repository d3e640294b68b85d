import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { DateTimeColumn, FenColumn, TITLE_LENGTH } from '../../columns';

/** Goods sold by a store. `stock` changes only through conditional updates (`stock >= n`). */
@Entity('mall_goods')
@Index('ix_mall_goods_store', ['storeId'])
export class MallGoods {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  storeId: number;

  @Column({ type: 'varchar', length: TITLE_LENGTH })
  title: string;

  @FenColumn()
  price: number;

  /** Units of the goods bought without an option (options keep their own stock). */
  @Column({ type: 'int', default: 0 })
  stock: number;

  /** Percent (0-100) of each line's goods price that points may pay. */
  @Column({ type: 'int', default: 0 })
  maxPointDeductRatio: number;

  @Column({ type: 'boolean', default: true })
  onSale: boolean;

  @DateTimeColumn()
  createdAt: Date;
}
