import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppLogger } from '../../common/http/app-logger';
import { JobRegistry } from '../../common/jobs/job-registry';
import { RefundService } from './refund.service';

const INTERVAL_MS = 30_000;
/** A refund younger than this may still be waiting for its first answer in the request that made it. */
const MIN_AGE_MS = 60_000;
const BATCH = 50;

/**
 * Decides Alipay refunds left `pending` (the refund call timed out or failed) with
 * `alipay.trade.fastpay.refund.query`. Safe on several instances: Alipay refunds one `out_request_no` once, and
 * each decision is a conditional move of the refund.
 */
@Injectable()
export class RefundDecisionJob implements OnModuleInit {
  constructor(
    private readonly jobs: JobRegistry,
    private readonly refunds: RefundService,
    private readonly logger: AppLogger,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ name: 'refund-decision', intervalMs: INTERVAL_MS, task: () => this.decidePending() });
  }

  /** Asks Alipay about each pending refund old enough at `now`; returns how many were decided. */
  async decidePending(now = new Date()): Promise<number> {
    const pending = await this.refunds.pendingAlipay(new Date(now.getTime() - MIN_AGE_MS), BATCH);
    let decided = 0;
    for (const refund of pending) {
      try {
        if ((await this.refunds.decide(refund)).status !== 'pending') decided += 1;
      } catch (error) {
        this.logger.error(`deciding refund ${refund.refundNo} failed: ${(error as Error).message}`, { refund_no: refund.refundNo, stack: (error as Error).stack });
      }
    }
    return decided;
  }
}
