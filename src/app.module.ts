import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CommonModule } from './common/common.module';
import { FallbackExceptionFilter } from './common/envelope/exception.filters';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DemoDataModule } from './database/demo-data/demo-data.module';
import { DevModule } from './dev/dev.module';
import { SwaggerPage } from './docs/swagger';
import { HealthController } from './health/health.controller';
import { MallModule } from './mall/mall.module';
import { MetricsModule } from './metrics/metrics.module';
import { PartnerModule } from './partner/partner.module';
import { AlipayKeysModule } from './payments/alipay/alipay-keys.module';
import { PaymentsModule } from './payments/payments.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const dev = DevModule.forRoot(config);
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(config), CommonModule, DemoDataModule, DevModule.alipayKeys(config) ?? AlipayKeysModule.live(), PaymentsModule, ...(dev ? [dev] : []), PartnerModule, MallModule, MetricsModule],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: FallbackExceptionFilter }, SwaggerPage],
    };
  }
}
