import { Injectable, OnModuleInit } from '@nestjs/common';
import { LessThanOrEqual } from 'typeorm';
import { AppLogger } from '../common/http/app-logger';
import { drainInBatches, JobRegistry } from '../common/jobs/job-registry';
import { moved } from '../common/lifecycle/transition';
import { PartnerOrder } from '../database/entities/partner/partner-order.entity';
import { TransactionService } from '../database/transaction.service';
import { PaymentReconciliation } from '../payments/payment-reconciliation.service';
import { PaymentService } from '../payments/payment.service';
import { closeUnpaidOrder } from './order-effects';
import { OrderStatus } from './order-status';

const INTERVAL_MS = 30_000;
const BATCH = 100;

/**
 * Closes orders left unpaid past their deadline (order time + ORDER_PAY_TIMEOUT_MINUTES). Every instance
 * runs it; each order is closed in its own transaction by a conditional move, so when two instances
 * pick the same order one closes it and the other finds nothing to do.
 */
@Injectable()
export class PartnerOrderTimeoutJob implements OnModuleInit {
  constructor(
    private readonly jobs: JobRegistry,
    private readonly tx: TransactionService,
    private readonly payments: PaymentService,
    private readonly reconciliation: PaymentReconciliation,
    private readonly logger: AppLogger,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ name: 'partner-order-timeout', intervalMs: INTERVAL_MS, task: () => this.closeExpired() });
  }

  /** Closes every order awaiting payment whose deadline is at or before `now`; returns how many this call closed. */
  closeExpired(now = new Date()): Promise<number> {
    return drainInBatches(
      BATCH,
      () =>
        this.tx.manager.find(PartnerOrder, {
          where: { orderStatus: OrderStatus.AwaitingPayment, payExpiresAt: LessThanOrEqual(now) },
          order: { payExpiresAt: 'ASC' },
          take: BATCH,
        }),
      (order) => this.closeOne(order, now),
      (order, err) => this.logger.error(`closing unpaid partner order ${order.orderNo} failed: ${err.message}`, { order_no: order.orderNo, stack: err.stack }),
    );
  }

  /**
   * False when the order was paid or cancelled since it was listed: nothing left to close. An Alipay payment is
   * reconciled first (SPEC §6): paid there → settled instead of closed; no usable answer → it throws, nothing
   * closes, and the next run tries again.
   */
  private async closeOne(order: PartnerOrder, now: Date): Promise<boolean> {
    if (order.billNo && (await this.reconciliation.beforeClose(order.billNo)) === 'paid') return false;
    return moved(this.tx.run((em) => closeUnpaidOrder(em, this.payments, order, now)));
  }
}
