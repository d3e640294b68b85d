import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { DateTimeColumn } from '../../columns';

export type MerchantEvent = 'trade_paid' | 'trade_closed' | 'order_shipped' | 'order_refunded';
export type MerchantNotificationStatus = 'pending' | 'delivered' | 'failed';

/** What the merchant is told; signed with the app's secret when it is sent. */
export interface MerchantEventPayload {
  outside_sn: string;
  trade_sn: string;
  order_sn: string;
  status: number;
}

/**
 * Outbox of merchant notifications (SPEC §6): written in the transaction of the change it reports,
 * delivered by a worker afterwards, so a crash or restart loses none.
 */
@Entity('mall_merchant_notifications')
@Index('ix_mall_notify_status_next', ['status', 'nextAttemptAt'])
export class MallMerchantNotification {
  @PrimaryGeneratedColumn()
  id: number;

  /**
   * The event's name for the merchant (`notify_id`, SPEC §6): chosen when the event is written and sent unchanged on
   * every attempt, so a merchant de-duplicates by it when a crash makes us send an event again. 32 lowercase hex;
   * rows written before it existed carry their id in that form (the default '' lives only until that backfill).
   */
  @Column({ type: 'varchar', length: 32, default: '' })
  notifyId: string;

  @Column({ type: 'varchar', length: 32 })
  appId: string;

  @Column({ type: 'varchar', length: 32 })
  event: MerchantEvent;

  @Column({ type: 'simple-json' })
  payload: MerchantEventPayload;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: MerchantNotificationStatus;

  /** Attempts started; a claim increments it, so one attempt is made by one worker only. */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @DateTimeColumn()
  nextAttemptAt: Date;

  @Column({ type: 'varchar', length: 512, default: '' })
  lastError: string;

  @DateTimeColumn()
  createdAt: Date;

  @DateTimeColumn()
  updatedAt: Date;

  @DateTimeColumn({ nullable: true })
  deliveredAt: Date | null;
}
