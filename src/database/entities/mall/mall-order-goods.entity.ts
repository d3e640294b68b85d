import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { FenColumn, LINE_TITLE_LENGTH } from '../../columns';

/** A line of an order, with the title and price it was bought at. */
@Entity('mall_order_goods')
@Index('ix_mall_order_goods_order', ['orderId'])
export class MallOrderGoods {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  orderId: number;

  @Column({ type: 'int' })
  goodsId: number;

  /** 0: bought without an option. */
  @Column({ type: 'int', default: 0 })
  optionId: number;

  /** `<goods title> <option title>`. */
  @Column({ type: 'varchar', length: LINE_TITLE_LENGTH })
  title: string;

  /** Unit price. */
  @FenColumn()
  price: number;

  @Column({ type: 'int' })
  total: number;

  /** price × total */
  @FenColumn()
  goodsPrice: number;

  @Column({ type: 'int', default: 0 })
  diyformDataId: number;
}
