import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { FenColumn, TITLE_LENGTH } from '../../columns';

/** A variant of goods (规格) with its own price and stock; `option_id` 0 on the wire means none. */
@Entity('mall_goods_options')
@Index('ix_mall_goods_option_goods', ['goodsId'])
export class MallGoodsOption {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  goodsId: number;

  @Column({ type: 'varchar', length: TITLE_LENGTH })
  title: string;

  @FenColumn()
  price: number;

  @Column({ type: 'int', default: 0 })
  stock: number;
}
