import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope } from '../common/swagger/api-responses';
import { AppConfig } from '../config/app-config';
import { PartnerApi } from '../common/envelope/api-family.decorator';
import { DatabaseUnavailableError, ServiceBusyError } from '../common/errors/app-error';
import { DrainState } from '../common/runtime/drain-state';
import { DatabaseProbe } from '../database/database-probe';

class HealthDto {
  @ApiProperty({ example: 'ok' })
  status: string;

  @ApiProperty({ example: 'sqlite', enum: ['sqlite', 'mysql'] })
  database: string;

  @ApiPropertyOptional({ example: 'Synced', description: 'Galera only: the node\'s `wsrep_local_state_comment`; absent on a server without the Galera provider' })
  galera?: string;
}

class LiveDto {
  @ApiProperty({ example: 'ok' })
  status: string;
}

interface GaleraState {
  ready: boolean;
  state: string;
}

/**
 * `SHOW STATUS` rather than `SELECT 1`: the same one round trip, and on a Galera node it also says whether the
 * node may serve (a joining node accepts connections but refuses data queries with 1047 until it is Synced).
 */
const GALERA_STATUS = "SHOW STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_local_state_comment')";

@ApiTags('health')
@PartnerApi()
@Controller('health')
export class HealthController {
  constructor(
    private readonly database: DatabaseProbe,
    private readonly config: AppConfig,
    private readonly drain: DrainState,
  ) {}

  @Get()
  @ApiOperation({
    summary: '健康检查 / Health check (database included)',
    description: 'On a Galera node: 503 unless the node is ready and Synced, so a load balancer drains it while it joins or donates.',
  })
  @ApiEnvelope('partner', HealthDto, [])
  async check(): Promise<HealthDto> {
    const galera = await this.probe();
    if (!galera) return { status: 'ok', database: this.config.DB_TYPE };
    if (!galera.ready || galera.state !== 'Synced') throw new DatabaseUnavailableError({ galera: galera.ready ? galera.state : `${galera.state} (wsrep_ready OFF)` });
    return { status: 'ok', database: this.config.DB_TYPE, galera: galera.state };
  }

  @Get('live')
  @ApiOperation({
    summary: '存活探针 / Liveness probe',
    description: '200 while the process runs, whatever the database: a database outage must not get instances restarted.',
  })
  @ApiEnvelope('partner', LiveDto, [])
  live(): LiveDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: '就绪探针 / Readiness probe',
    description: '200 when the database answers (on Galera: the node is Synced); 503 otherwise, and from the moment a shutdown begins.',
  })
  @ApiEnvelope('partner', HealthDto, [])
  async ready(): Promise<HealthDto> {
    if (this.drain.draining) throw new ServiceBusyError('服务正在停止，请稍后重试');
    return this.check();
  }

  /** The database answers; on a Galera node, its state too (undefined on any other server). */
  private async probe(): Promise<GaleraState | undefined> {
    let rows: Array<{ Variable_name: string; Value: string }>;
    try {
      if (this.config.DB_TYPE !== 'mysql') {
        await this.database.ping();
        return undefined;
      }
      rows = await this.database.query(GALERA_STATUS);
    } catch {
      throw new DatabaseUnavailableError();
    }
    const status = new Map(rows.map((r) => [r.Variable_name.toLowerCase(), r.Value]));
    // MariaDB shows `wsrep_ready` (OFF) even without Galera; the local state exists only with the provider loaded
    const state = status.get('wsrep_local_state_comment');
    if (state === undefined) return undefined;
    return { ready: status.get('wsrep_ready') === 'ON', state };
  }
}
