import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope } from '../common/swagger/api-responses';
import { AppConfig } from '../config/app-config';
import { PartnerApi } from '../common/envelope/api-family.decorator';
import { DatabaseUnavailableError } from '../common/errors/app-error';
import { DatabaseProbe } from '../database/database-probe';

class HealthDto {
  @ApiProperty({ example: 'ok' })
  status: string;

  @ApiProperty({ example: 'sqlite', enum: ['sqlite', 'mysql'] })
  database: string;
}

@ApiTags('health')
@PartnerApi()
@Controller('health')
export class HealthController {
  constructor(
    private readonly database: DatabaseProbe,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: '健康检查 / Health check (database included)' })
  @ApiEnvelope('partner', HealthDto, [])
  async check(): Promise<HealthDto> {
    try {
      await this.database.ping();
    } catch {
      throw new DatabaseUnavailableError();
    }
    return { status: 'ok', database: this.config.DB_TYPE };
  }
}
