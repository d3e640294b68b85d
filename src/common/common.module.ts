import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { AdminGuard } from './admin/admin.guard';
import { MallExceptionFilter, PartnerExceptionFilter } from './envelope/exception.filters';
import { MallEnvelopeInterceptor, PartnerEnvelopeInterceptor } from './envelope/envelope.interceptors';
import { AppLogger } from './http/app-logger';
import { IdempotencyPurgeJob } from './idempotency/idempotency-purge.job';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyService } from './idempotency/idempotency.service';
import { JobRegistry } from './jobs/job-registry';
import { SignatureGuard } from './signature/signature.guard';
import { CallerRateLimitGuard } from './rate-limit/rate-limit.guard';
import { FailedAuthRateLimit } from './rate-limit/failed-auth-rate-limit';
import { RateLimitStore } from './rate-limit/rate-limit-store';
import { DrainState } from './runtime/drain-state';

/** The store lives in its own module so the throttler's options can be built with it. */
@Module({ providers: [RateLimitStore], exports: [RateLimitStore] })
class RateLimitStoreModule {}

const rateLimit = ThrottlerModule.forRootAsync({
  imports: [RateLimitStoreModule],
  inject: [AppConfig, RateLimitStore],
  useFactory: (config: AppConfig, storage: RateLimitStore) => ({
    throttlers: [{ name: 'default', ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE }],
    skipIf: () => config.RATE_LIMIT_PER_MINUTE === 0,
    storage,
  }),
});

const shared = [
  AdminGuard,
  JobRegistry,
  IdempotencyService,
  IdempotencyInterceptor,
  SignatureGuard,
  CallerRateLimitGuard,
  FailedAuthRateLimit,
  PartnerEnvelopeInterceptor,
  MallEnvelopeInterceptor,
  PartnerExceptionFilter,
  MallExceptionFilter,
  DrainState,
];

@Global()
@Module({
  imports: [rateLimit, RateLimitStoreModule],
  providers: [{ provide: AppLogger, inject: [AppConfig], useFactory: (config: AppConfig) => new AppLogger(config.LOG_LEVEL) }, ...shared, IdempotencyPurgeJob],
  exports: [AppLogger, RateLimitStoreModule, ...shared],
})
export class CommonModule {}
