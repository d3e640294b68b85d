import { Module } from '@nestjs/common';
import { AdminGuard } from '../common/admin/admin.guard';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Module({
  controllers: [MetricsController],
  providers: [MetricsService, AdminGuard],
})
export class MetricsModule {}
