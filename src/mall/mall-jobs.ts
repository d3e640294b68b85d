import { Injectable, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { AppLogger } from '../common/http/app-logger';
import { startPeriodicJob } from '../common/jobs/periodic-job';
import { AppConfig } from '../config/app-config';
import { MerchantOutbox } from './notify/merchant-outbox.service';
import { MallTradeTimeoutJob } from './trade/mall-trade-timeout.job';

const TIMEOUT_INTERVAL_MS = 30_000;
const NOTIFY_INTERVAL_MS = 10_000;

/** The mall's background work, on every instance when JOBS_ENABLED (both tasks are multi-instance safe). */
@Injectable()
export class MallJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stops: Array<() => Promise<void>> = [];

  constructor(
    private readonly config: AppConfig,
    private readonly timeouts: MallTradeTimeoutJob,
    private readonly outbox: MerchantOutbox,
    private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.JOBS_ENABLED) return;
    this.stops = [
      startPeriodicJob('mall-trade-timeout', TIMEOUT_INTERVAL_MS, () => this.timeouts.closeExpired(), this.logger),
      startPeriodicJob('mall-merchant-notify', NOTIFY_INTERVAL_MS, () => this.outbox.deliverDue(), this.logger),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.stops.map((stop) => stop()));
  }
}
