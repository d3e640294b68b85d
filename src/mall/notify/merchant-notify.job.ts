import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobRegistry } from '../../common/jobs/job-registry';
import { MerchantOutbox } from './merchant-outbox.service';

const NOTIFY_INTERVAL_MS = 10_000;

/**
 * Delivers merchant notifications that are due; multi-instance safe (rows are claimed by a conditional update). It
 * looks every 10 s, or as often as the shortest retry delay when `MERCHANT_NOTIFY_RETRY_SECONDS` names a shorter one,
 * so that a retry is never much later than its schedule says.
 */
@Injectable()
export class MerchantNotifyJob implements OnModuleInit {
  constructor(
    private readonly jobs: JobRegistry,
    private readonly outbox: MerchantOutbox,
  ) {}

  onModuleInit(): void {
    const intervalMs = Math.min(NOTIFY_INTERVAL_MS, ...this.outbox.retryDelaysMs);
    this.jobs.register({ name: 'mall-merchant-notify', intervalMs, task: () => this.outbox.deliverDue() });
  }
}
