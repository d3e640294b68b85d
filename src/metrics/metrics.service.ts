import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { DataSource, In } from 'typeorm';
import { RateLimitStore } from '../common/rate-limit/rate-limit-store';
import { MallMerchantNotification } from '../database/entities/mall/mall-merchant-notification.entity';
import { counters } from './metrics';

/** mysql2's pool keeps these as internals (no public API): all connections, idle ones, and waiting requests. */
interface Mysql2PoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

let processMetrics: Registry | undefined;

/** The counters plus the gauges of this app instance, read when Prometheus scrapes. */
@Injectable()
export class MetricsService {
  private readonly gauges = new Registry();

  constructor(
    private readonly dataSource: DataSource,
    rateLimitStore: RateLimitStore,
  ) {
    if (!processMetrics) {
      processMetrics = new Registry();
      collectDefaultMetrics({ register: processMetrics });
    }
    const outbox = new Gauge({
      name: 'merchant_outbox_notifications',
      help: 'Merchant notifications by state: pending (not yet delivered) and failed (given up; see GET /admin/mall/notifications?status=failed)',
      labelNames: ['state'] as const,
      registers: [this.gauges],
      collect: async () => {
        const rows = await this.dataSource
          .getRepository(MallMerchantNotification)
          .createQueryBuilder('n')
          .select('n.status', 'status')
          .addSelect('COUNT(*)', 'n')
          .where({ status: In(['pending', 'failed']) })
          .groupBy('n.status')
          .getRawMany<{ status: string; n: number | string }>();
        outbox.reset();
        outbox.set({ state: 'pending' }, 0);
        outbox.set({ state: 'failed' }, 0);
        for (const row of rows) outbox.set({ state: row.status }, Number(row.n));
      },
    });
    const countingLocally = new Gauge({
      name: 'rate_limiter_counting_locally',
      help: '1 while Redis (REDIS_URL) failed and the rate limiter counts in this instance until a probe finds Redis again; 0 otherwise',
      registers: [this.gauges],
      collect: () => {
        countingLocally.set(rateLimitStore.countingLocally ? 1 : 0);
      },
    });
    const inUse = new Gauge({
      name: 'db_pool_connections_in_use',
      help: 'MySQL pool connections lent to requests (0 on SQLite)',
      registers: [this.gauges],
      collect: () => {
        const pool = this.pool();
        inUse.set((pool._allConnections?.length ?? 0) - (pool._freeConnections?.length ?? 0));
      },
    });
    const waiting = new Gauge({
      name: 'db_pool_waiting_requests',
      help: 'Requests waiting for a MySQL pool connection (0 on SQLite)',
      registers: [this.gauges],
      collect: () => {
        waiting.set(this.pool()._connectionQueue?.length ?? 0);
      },
    });
  }

  private pool(): Mysql2PoolInternals {
    // TypeORM's MySQL pool is the mysql2 pool behind its guard (database/pool-guard.ts).
    return (this.dataSource.driver as { pool?: { pool: Mysql2PoolInternals } }).pool?.pool ?? {};
  }

  contentType(): string {
    return counters.contentType;
  }

  async scrape(): Promise<string> {
    return Registry.merge([counters, processMetrics!, this.gauges]).metrics();
  }
}
