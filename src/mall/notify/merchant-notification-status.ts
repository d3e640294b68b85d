import { Lifecycle } from '../../common/lifecycle/transition';
import { MallMerchantNotification, MerchantNotificationStatus } from '../../database/entities/mall/mall-merchant-notification.entity';

/**
 * A notification is pending until an attempt delivers it, or the last attempt fails. A failed attempt with
 * attempts left keeps it pending (pending → pending), for the next one.
 */
export const MERCHANT_NOTIFICATION_LIFECYCLE = new Lifecycle<MallMerchantNotification, MerchantNotificationStatus>('merchant notification', MallMerchantNotification, 'status', {
  pending: ['pending', 'delivered', 'failed'],
  delivered: [],
  failed: [],
});
