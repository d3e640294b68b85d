import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AdminGuard } from '../common/admin/admin.guard';
import { PartnerApi } from '../common/envelope/api-family.decorator';
import { AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

/** Prometheus text at `GET /metrics`: open where `METRICS_PUBLIC` allows it (development), else the admin token. */
@ApiExcludeController()
@PartnerApi()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
    private readonly adminGuard: AdminGuard,
  ) {}

  @Get()
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!this.config.metricsPublic) await this.adminGuard.check(req, res);
    res.type(this.metrics.contentType()).send(await this.metrics.scrape());
  }
}
