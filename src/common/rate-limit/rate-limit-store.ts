import { Injectable, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { AppLogger } from '../http/app-logger';

const LET_THROUGH: ThrottlerStorageRecord = { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };

/**
 * The limiter's counters: in Redis when `REDIS_URL` is set, so every instance counts against the same limit
 * (one Lua script per hit, @nest-lab/throttler-storage-redis), else in this process's memory.
 *
 * Redis trouble never stops the service: commands fail at once while it is unreachable (no offline queue) or
 * after a short timeout, and the request is let through, counted in one log line per second. A limiter that
 * refused everything while its store is away would turn a Redis outage into a full outage.
 */
@Injectable()
export class RateLimitStore implements ThrottlerStorage, OnModuleInit, OnModuleDestroy {
  private readonly redis?: Redis;
  private readonly store: ThrottlerStorage;

  constructor(config: AppConfig, private readonly logger: AppLogger) {
    if (config.REDIS_URL) {
      // Required only with REDIS_URL: ioredis and the storage take 40 ms to load, for nothing without Redis.
      const { default: Redis } = require('ioredis') as typeof import('ioredis');
      const { ThrottlerStorageRedisService } = require('@nest-lab/throttler-storage-redis') as typeof import('@nest-lab/throttler-storage-redis');
      this.redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500, connectTimeout: 2000 });
      this.redis.on('error', (error: Error) => this.logger.tally('rate limiter: Redis unavailable, requests let through', error.message));
      this.store = new ThrottlerStorageRedisService(this.redis);
    } else {
      this.store = new ThrottlerStorageService();
    }
  }

  /** The first requests after start count too: wait (briefly) for the connection before taking traffic. */
  async onModuleInit(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      return await this.store.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      this.logger.tally('rate limiter: Redis unavailable, requests let through', (error as Error).message);
      return LET_THROUGH;
    }
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
    (this.store as Partial<OnApplicationShutdown>).onApplicationShutdown?.();
  }
}
