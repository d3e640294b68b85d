import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateTimeColumn } from '../../columns';

/**
 * One of the few millisecond slots of partner order numbers (`ms % slots`), leased by one service instance at a time,
 * so that instances running side by side hand out different milliseconds (`partner/order-number-slots.ts`).
 */
@Entity('partner_order_number_slots')
export class OrderNumberSlot {
  @PrimaryColumn({ type: 'int' })
  slot: number;

  /** A random id of the instance holding the lease. */
  @Column({ type: 'varchar', length: 32 })
  holder: string;

  @DateTimeColumn()
  leaseUntil: Date;
}
