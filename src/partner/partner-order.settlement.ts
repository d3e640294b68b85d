import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { moved } from '../common/lifecycle/transition';
import { PartnerOrder } from '../database/entities/partner/partner-order.entity';
import { Payment } from '../database/entities/payments/payment.entity';
import { selectEntities } from '../database/sql';
import { PaymentSettlementRegistry, SettlementHandler } from '../payments/payment-settlement.registry';
import { grantPaidBenefits, useReservedCoupon } from './order-effects';
import { OrderStatus, transition } from './order-status';

/**
 * Payments calls this inside the transaction that marks an Alipay payment paid. The order's conditional
 * move 0 → 1 is what makes coupon, level and score happen exactly once; an order that is no longer
 * awaiting payment (closed by cancel or timeout) did not want this money, so it is reported `closed` and
 * Payments flags the payment for refund.
 */
@Injectable()
export class PartnerOrderSettlement implements SettlementHandler, OnModuleInit {
  constructor(private readonly registry: PaymentSettlementRegistry) {}

  onModuleInit(): void {
    this.registry.register('partner_order', this);
  }

  async onPaid(em: EntityManager, payment: Payment): Promise<'settled' | 'closed'> {
    const [order] = await selectEntities(em, PartnerOrder, 'WHERE order_no = ?', [payment.bizNo]);
    if (!order) throw new Error(`partner order ${payment.bizNo} of payment ${payment.outTradeNo} does not exist`);
    const paid = await moved(
      transition(em, order.orderNo, OrderStatus.AwaitingPayment, OrderStatus.Paid, {
        paidAt: payment.paidAt ?? new Date(),
        thirdOrderNo: payment.tradeNo,
        billNo: payment.outTradeNo,
      }),
    );
    if (!paid) return 'closed';
    await useReservedCoupon(em, order);
    await grantPaidBenefits(em, order);
    return 'settled';
  }
}
