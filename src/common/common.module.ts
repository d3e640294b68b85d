import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AdminGuard } from './admin/admin.guard';
import { MallExceptionFilter, PartnerExceptionFilter } from './envelope/exception.filters';
import { MallEnvelopeInterceptor, PartnerEnvelopeInterceptor } from './envelope/envelope.interceptors';
import { AppLogger } from './http/app-logger';
import { IdempotencyPurgeJob } from './idempotency/idempotency-purge.job';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyService } from './idempotency/idempotency.service';
import { SignatureGuard } from './signature/signature.guard';

const shared = [
  AdminGuard,
  IdempotencyService,
  IdempotencyInterceptor,
  SignatureGuard,
  PartnerEnvelopeInterceptor,
  MallEnvelopeInterceptor,
  PartnerExceptionFilter,
  MallExceptionFilter,
];

@Global()
@Module({
  providers: [{ provide: AppLogger, inject: [AppConfig], useFactory: (config: AppConfig) => new AppLogger(config.LOG_LEVEL) }, ...shared, IdempotencyPurgeJob],
  exports: [AppLogger, ...shared],
})
export class CommonModule {}
