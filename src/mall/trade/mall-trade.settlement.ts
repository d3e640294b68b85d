import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { MallTrade } from '../../database/entities/mall/mall-trade.entity';
import { Payment } from '../../database/entities/payments/payment.entity';
import { PaymentSettlementRegistry, SettlementHandler } from '../../payments/payment-settlement.registry';
import { MallTradeLifecycle } from './mall-trade-lifecycle.service';

/**
 * Payments calls this inside the transaction that marks an Alipay payment of a trade paid. The trade's
 * conditional move 0 → 1 makes it happen once; a trade no longer awaiting payment (closed by the merchant
 * or the timeout job) did not want this money, so it is reported `closed` and Payments flags a refund.
 */
@Injectable()
export class MallTradeSettlement implements SettlementHandler, OnModuleInit {
  constructor(
    private readonly registry: PaymentSettlementRegistry,
    private readonly lifecycle: MallTradeLifecycle,
  ) {}

  onModuleInit(): void {
    this.registry.register('mall_trade', this);
  }

  async onPaid(em: EntityManager, payment: Payment): Promise<'settled' | 'closed'> {
    const trade = await em.findOneBy(MallTrade, { tradeSn: payment.bizNo });
    if (!trade) throw new Error(`mall trade ${payment.bizNo} of payment ${payment.outTradeNo} does not exist`);
    return (await this.lifecycle.markPaid(em, trade, payment.paidAt ?? new Date())) ? 'settled' : 'closed';
  }
}
