import { Lifecycle } from '../../common/lifecycle/transition';
import { Refund, RefundStatus } from '../../database/entities/payments/refund.entity';

/** A refund is decided once: a balance refund is written `success`; an Alipay refund waits `pending` for Alipay's word. */
export const REFUND_LIFECYCLE = new Lifecycle<Refund, RefundStatus>('refund', Refund, 'status', {
  pending: ['success', 'failed'],
  success: [],
  failed: [],
});
