import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobRegistry } from '../jobs/job-registry';
import { IdempotencyService } from './idempotency.service';

const INTERVAL_MS = 60 * 60 * 1000;

/** Expired request keys are only ever overwritten when reused; this keeps the table from growing forever. */
@Injectable()
export class IdempotencyPurgeJob implements OnModuleInit {
  constructor(
    private readonly jobs: JobRegistry,
    private readonly idempotency: IdempotencyService,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ name: 'idempotency-purge', intervalMs: INTERVAL_MS, task: () => this.idempotency.purgeExpired() });
  }
}
