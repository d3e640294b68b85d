import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { JobRegistry } from '../jobs/job-registry';
import { IdempotencyService } from './idempotency.service';

/**
 * Expired nonces and idempotency records are otherwise only overwritten when their key comes again: this deletes them
 * continuously, every IDEMPOTENCY_PURGE_INTERVAL_SECONDS (30 s) from the start, in small batches, so the table holds
 * about what the windows keep (rows ≈ request rate × window) whatever the restarts. Safe on several instances.
 */
@Injectable()
export class IdempotencyPurgeJob implements OnModuleInit {
  constructor(
    private readonly jobs: JobRegistry,
    private readonly idempotency: IdempotencyService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ name: 'idempotency-purge', intervalMs: this.config.IDEMPOTENCY_PURGE_INTERVAL_SECONDS * 1000, task: (stopping) => this.idempotency.purgeExpired(new Date(), stopping) });
  }
}
