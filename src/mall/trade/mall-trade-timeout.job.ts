import { Injectable, OnModuleInit } from '@nestjs/common';
import { LessThanOrEqual } from 'typeorm';
import { AppLogger } from '../../common/http/app-logger';
import { drainInBatches, JobRegistry } from '../../common/jobs/job-registry';
import { moved } from '../../common/lifecycle/transition';
import { expiredIfCreatedBy } from '../../common/pay-deadline';
import { AppConfig } from '../../config/app-config';
import { MallTrade, MallTradeStatus } from '../../database/entities/mall/mall-trade.entity';
import { TransactionService } from '../../database/transaction.service';
import { MallTradeLifecycle } from './mall-trade-lifecycle.service';

const INTERVAL_MS = 30_000;
const BATCH = 100;

/**
 * Closes trades left unpaid past their pay deadline (common/pay-deadline.ts). Every instance runs it; each trade closes in
 * its own transaction by the lifecycle's conditional move, so when two instances pick the same trade one
 * closes it (releasing everything) and the other finds nothing to do.
 */
@Injectable()
export class MallTradeTimeoutJob implements OnModuleInit {
  constructor(
    private readonly jobs: JobRegistry,
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly lifecycle: MallTradeLifecycle,
    private readonly logger: AppLogger,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ name: 'mall-trade-timeout', intervalMs: INTERVAL_MS, task: () => this.closeExpired() });
  }

  /** Closes every unpaid trade past its deadline at `now`; returns how many this call closed. */
  closeExpired(now = new Date()): Promise<number> {
    const createdBefore = expiredIfCreatedBy(this.config, now);
    return drainInBatches(
      BATCH,
      () =>
        this.tx.manager.find(MallTrade, {
          where: { status: MallTradeStatus.AwaitingPayment, createdAt: LessThanOrEqual(createdBefore) },
          order: { createdAt: 'ASC', id: 'ASC' },
          take: BATCH,
        }),
      (trade) => this.closeOne(trade, now),
      (trade, err) => this.logger.error(`closing unpaid mall trade ${trade.tradeSn} failed: ${err.message}`, { trade_sn: trade.tradeSn, stack: err.stack }),
    );
  }

  /**
   * False when the trade was paid or closed since it was listed. Its Alipay payment is reconciled first: paid there →
   * settled instead of closed; no usable answer → it throws, nothing closes, and the next run tries again.
   */
  private async closeOne(trade: MallTrade, now: Date): Promise<boolean> {
    if ((await this.lifecycle.reconcileBeforeClose(trade)) === 'paid') return false;
    return moved(this.tx.run((em) => this.lifecycle.close(em, trade, now)));
  }
}
