import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AppLogger } from '../http/app-logger';
import { startPeriodicJob } from '../jobs/periodic-job';
import { IdempotencyService } from './idempotency.service';

const INTERVAL_MS = 60 * 60 * 1000;

/** Expired request keys are only ever overwritten when reused; this keeps the table from growing forever. */
@Injectable()
export class IdempotencyPurgeJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private stop: (() => Promise<void>) | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly idempotency: IdempotencyService,
    private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.JOBS_ENABLED) this.stop = startPeriodicJob('idempotency-purge', INTERVAL_MS, () => this.idempotency.purgeExpired(), this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop?.();
  }
}
