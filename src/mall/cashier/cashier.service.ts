import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { payDeadline } from '../../common/pay-deadline';
import { formatWireTime } from '../../common/time';
import { affectedRows } from '../../database/db-errors';
import { MallOrder } from '../../database/entities/mall/mall-order.entity';
import { MallStore } from '../../database/entities/mall/mall-store.entity';
import { MallTrade, MallTradeStatus } from '../../database/entities/mall/mall-trade.entity';
import { Payment, PaymentStatus } from '../../database/entities/payments/payment.entity';
import { TransactionService } from '../../database/transaction.service';
import { AlipayService } from '../../payments/alipay/alipay.service';
import { PaymentService } from '../../payments/payment.service';
import { CashierOrderLine, CashierView } from './cashier-page';

const TRADE_SN = /^TN\d{12}[0-9A-F]{6}$/;

/** What the cashier page shows for a trade, and the pending Alipay payment behind its button. */
@Injectable()
export class CashierService {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly payments: PaymentService,
    private readonly alipay: AlipayService,
  ) {}

  async view(tradeSn: string, now = new Date()): Promise<CashierView> {
    if (!TRADE_SN.test(tradeSn)) return { kind: 'not_found' };
    const trade = await this.tx.manager.findOneBy(MallTrade, { tradeSn });
    if (!trade) return { kind: 'not_found' };
    const orders = await this.ordersOf(this.tx.manager, trade);
    const base = { tradeSn, amount: trade.totalPrice, orders };
    if (trade.status === MallTradeStatus.Paid) return { kind: 'paid', ...base };
    if (trade.status === MallTradeStatus.Closed) return { kind: 'closed', ...base };
    const deadline = payDeadline(this.config, trade.createdAt);
    if (deadline.getTime() <= now.getTime()) return { kind: 'expired', ...base };

    const payment = await this.pendingPayment(trade, deadline, now);
    if (!payment) {
      const settled = await this.tx.manager.findOneByOrFail(MallTrade, { id: trade.id });
      return { kind: settled.status === MallTradeStatus.Paid ? 'paid' : 'closed', ...base };
    }
    const payUrl = this.alipay.payUrl(payment, { returnUrl: `${this.config.PUBLIC_BASE_URL}/pay/${tradeSn}` });
    return { kind: 'payable', ...base, deadline: formatWireTime(deadline, this.config.APP_TIMEZONE), payUrl };
  }

  /**
   * Reuses the trade's pending payment or opens one. Touching the unpaid trade first locks its row, so
   * concurrent page loads queue up and share one payment; null when the trade was paid or closed meanwhile.
   */
  private pendingPayment(trade: MallTrade, deadline: Date, now: Date): Promise<Payment | null> {
    return this.tx.run(async (em) => {
      const touched = await em.update(MallTrade, { id: trade.id, status: MallTradeStatus.AwaitingPayment }, { updatedAt: now });
      if (affectedRows(touched) !== 1) return null;
      const latest = await this.payments.latestFor(em, 'mall_trade', trade.tradeSn);
      if (latest?.status === PaymentStatus.Pending) return latest;
      return this.payments.createPending(em, {
        bizType: 'mall_trade',
        bizNo: trade.tradeSn,
        amount: trade.totalPrice,
        subject: `商城订单 ${trade.tradeSn}`,
        expiresAt: deadline,
      });
    });
  }

  private async ordersOf(em: EntityManager, trade: MallTrade): Promise<CashierOrderLine[]> {
    const orders = await em.find(MallOrder, { where: { tradeId: trade.id }, order: { id: 'ASC' } });
    const storeIds = [...new Set(orders.map((o) => o.storeId))];
    const stores = new Map(storeIds.length ? (await em.findBy(MallStore, { id: In(storeIds) })).map((s) => [s.id, s.name]) : []);
    return orders.map((o) => ({ orderSn: o.orderSn, storeName: stores.get(o.storeId) ?? '', price: o.price }));
  }
}
