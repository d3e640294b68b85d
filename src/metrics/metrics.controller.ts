import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AdminGuard } from '../common/admin/admin.guard';
import { PartnerApi } from '../common/envelope/api-family.decorator';
import type { HttpReply, HttpRequest } from '../common/http/http-request';
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
  async scrape(@Req() req: HttpRequest, @Res() res: HttpReply): Promise<void> {
    if (!this.config.metricsPublic) await this.adminGuard.check(req, res);
    res.type(this.metrics.contentType()).send(await this.metrics.scrape());
  }
}
