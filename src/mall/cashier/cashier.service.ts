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
import { CashierLinks } from './cashier-links';
import { CashierOrderLine, CashierView } from './cashier-page';

/** What the cashier page shows for a trade, and the pending Alipay payment behind its button. */
@Injectable()
export class CashierService {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly payments: PaymentService,
    private readonly alipay: AlipayService,
    private readonly links: CashierLinks,
  ) {}

  /**
   * The pages' Content-Security-Policy (SPEC §11): no scripts, the page's own inline style, and a form that may
   * post only here and be redirected only to Alipay's gateway.
   */
  contentSecurityPolicy(): string {
    return `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${this.alipay.gatewayOrigin()}; frame-ancestors 'none'; base-uri 'none'`;
  }

  /** What the page shows; reads only (SPEC §6: GET and HEAD of the page write nothing). */
  async view(tradeSn: string, now = new Date()): Promise<CashierView> {
    const trade = await this.tx.manager.findOneBy(MallTrade, { tradeSn });
    if (!trade) return { kind: 'not_found' };
    const orders = await this.ordersOf(this.tx.manager, trade);
    const base = { tradeSn, amount: trade.totalPrice, orders };
    if (trade.status === MallTradeStatus.Paid) return { kind: 'paid', ...base };
    if (trade.status === MallTradeStatus.Closed) return { kind: 'closed', ...base };
    const deadline = payDeadline(this.config, trade.createdAt);
    if (deadline.getTime() <= now.getTime()) return { kind: 'expired', ...base };
    return { kind: 'payable', ...base, deadline: formatWireTime(deadline, this.config.APP_TIMEZONE), payPath: this.links.pathOf(tradeSn) };
  }

  /**
   * The button: the Alipay pay URL of the trade's pending payment, opened on the first press and reused on every
   * later one; null when the trade is no longer payable (the page then shows why).
   */
  async payUrl(tradeSn: string, now = new Date()): Promise<string | null> {
    const trade = await this.tx.manager.findOneBy(MallTrade, { tradeSn });
    if (!trade || trade.status !== MallTradeStatus.AwaitingPayment) return null;
    const deadline = payDeadline(this.config, trade.createdAt);
    if (deadline.getTime() <= now.getTime()) return null;
    const payment = await this.pendingPayment(trade, deadline, now);
    return payment && this.alipay.payUrl(payment, { returnUrl: this.links.linkOf(tradeSn) });
  }

  /**
   * Reuses the trade's pending payment or opens one. Touching the unpaid trade first locks its row, so
   * concurrent presses queue up and share one payment; null when the trade was paid or closed meanwhile.
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
