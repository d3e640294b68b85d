import { Injectable, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { AppLogger } from '../http/app-logger';

/** How long a request may wait for Redis before the limiter gives up on it and counts here. */
const REDIS_COMMAND_TIMEOUT_MS = 500;
/** While Redis is away, how often it is asked whether it answers again, and how long the answer may take. */
const REDIS_PROBE_INTERVAL_MS = 1_000;
const REDIS_PROBE_TIMEOUT_MS = 300;

/**
 * The limiter's counters: in Redis when `REDIS_URL` is set, so every instance counts against the same limit
 * (one Lua script per hit, @nest-lab/throttler-storage-redis), else in this process's memory.
 *
 * Redis trouble never stops the service, and never makes every request wait (SPEC §11, dependencies that hang): the
 * first command that fails or times out (500 ms) opens a breaker, and from then on requests are counted in this
 * instance's memory, as without Redis, while a probe PINGs Redis every second; the first PING that is answered in
 * time closes the breaker and the counting goes back to Redis. Opening and closing are one log line each. While the
 * breaker is open each instance counts alone, so a caller may get up to the limit once per instance.
 */
@Injectable()
export class RateLimitStore implements ThrottlerStorage, OnModuleInit, OnModuleDestroy {
  private readonly redis?: Redis;
  private readonly shared?: ThrottlerStorage;
  private readonly local = new ThrottlerStorageService();
  private probe: NodeJS.Timeout | null = null;
  private probing = false;
  private destroyed = false;

  constructor(config: AppConfig, private readonly logger: AppLogger) {
    if (config.REDIS_URL) {
      // Required only with REDIS_URL: ioredis and the storage take 40 ms to load, for nothing without Redis.
      const { default: Redis } = require('ioredis') as typeof import('ioredis');
      const { ThrottlerStorageRedisService } = require('@nest-lab/throttler-storage-redis') as typeof import('@nest-lab/throttler-storage-redis');
      this.redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, connectTimeout: 2000 });
      this.redis.on('error', (error: Error) => this.logger.tally('rate limiter: Redis connection error', error.message));
      this.shared = new ThrottlerStorageRedisService(this.redis);
    }
  }

  /** True while Redis is configured but the counting happens in this instance (the breaker is open). */
  get countingLocally(): boolean {
    return this.probe !== null;
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
    if (this.shared && !this.countingLocally) {
      try {
        return await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
      } catch (error) {
        this.open((error as Error).message);
      }
    }
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
    this.redis?.disconnect();
    (this.shared as Partial<OnApplicationShutdown> | undefined)?.onApplicationShutdown?.();
    this.local.onApplicationShutdown();
  }

  private open(reason: string): void {
    if (this.countingLocally || this.destroyed) return;
    this.logger.warn('rate limiter: Redis failed, counting in this instance until it answers again', { reason });
    this.probe = setInterval(() => void this.probeOnce(), REDIS_PROBE_INTERVAL_MS);
    this.probe.unref();
  }

  private async probeOnce(): Promise<void> {
    if (this.probing || !this.redis) return;
    this.probing = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('probe timed out')), REDIS_PROBE_TIMEOUT_MS);
      });
      await Promise.race([this.redis.ping(), timeout]);
      if (this.probe && !this.destroyed) {
        clearInterval(this.probe);
        this.probe = null;
        this.logger.warn('rate limiter: Redis answers again, counting there');
      }
    } catch {
      // still away: the next probe asks again
    } finally {
      clearTimeout(timer);
      this.probing = false;
    }
  }
}
