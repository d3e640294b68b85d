import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobRegistry } from '../../common/jobs/job-registry';
import { MerchantOutbox } from './merchant-outbox.service';

const NOTIFY_INTERVAL_MS = 10_000;

/** Delivers merchant notifications that are due; multi-instance safe (rows are claimed by a conditional update). */
@Injectable()
export class MerchantNotifyJob implements OnModuleInit {
  constructor(
    private readonly jobs: JobRegistry,
    private readonly outbox: MerchantOutbox,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ name: 'mall-merchant-notify', intervalMs: NOTIFY_INTERVAL_MS, task: () => this.outbox.deliverDue() });
  }
}
