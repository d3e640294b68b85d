import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsTimeZone,
  IsUrl,
  Matches,
  Max,
  Min,
  ValidateIf,
  validateSync,
} from 'class-validator';

/** Development defaults from SPEC §9; `NODE_ENV=production` refuses to start with any of them. */
export const DEV_PARTNER_SIGN_KEY = 'partner-dev-key';
export const DEV_ADMIN_TOKEN = 'admin-dev-token';
export const DEV_PAY_LINK_KEY = 'pay-link-development-key';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** The environment as the service reads it. This file is the only reader of `process.env`. */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsIn(['sqlite', 'mysql'])
  DB_TYPE: 'sqlite' | 'mysql' = 'sqlite';

  @IsString()
  SQLITE_PATH = 'data/app.sqlite';

  @IsOptional() @IsString()
  DATABASE_URL?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(200)
  DB_POOL_SIZE = 20;

  /** How long a request may wait for a MySQL connection before it is answered 503. */
  @Transform(toInt) @IsInt() @Min(100) @Max(60_000)
  DB_ACQUIRE_TIMEOUT_MS = 2_000;

  /** Requests handled at once by one instance; more are answered 503 at once (load shedding). */
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000)
  MAX_IN_FLIGHT = 64;

  /** Signed or admin requests per caller and minute (and failed ones per client IP); 0 turns the limit off. */
  @Transform(toInt) @IsInt() @Min(0) @Max(10_000_000)
  RATE_LIMIT_PER_MINUTE = 1200;

  /** The rate limiter's store shared by all instances; unset, each instance counts alone. */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['redis', 'rediss'] })
  REDIS_URL?: string;

  @IsString()
  DATA_DIR = 'data';

  @IsString()
  PARTNER_SIGN_KEY = DEV_PARTNER_SIGN_KEY;

  @IsString()
  ADMIN_TOKEN = DEV_ADMIN_TOKEN;

  /** Signs the cashier links (`pay_link`, SPEC §6): at least 128 bits, as base64url or hex. */
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'PAY_LINK_KEY must be base64url or hex' })
  PAY_LINK_KEY = DEV_PAY_LINK_KEY;

  @IsTimeZone()
  APP_TIMEZONE = 'Asia/Shanghai';

  /** Where callers and Alipay reach this service; `http://localhost:<PORT>` unless set (SPEC §8). */
  @ValidateIf((config: AppConfig) => config.PUBLIC_BASE_URL !== '')
  @IsUrl({ require_tld: false, require_protocol: true })
  PUBLIC_BASE_URL = '';

  @IsIn(['sandbox', 'live', 'auto'])
  ALIPAY_MODE: 'sandbox' | 'live' | 'auto' = 'auto';

  @IsOptional() @IsString()
  ALIPAY_APP_ID?: string;

  @IsOptional() @IsString()
  ALIPAY_PRIVATE_KEY?: string;

  @IsOptional() @IsString()
  ALIPAY_PUBLIC_KEY?: string;

  @IsString()
  ALIPAY_GATEWAY = 'https://openapi.alipay.com/gateway.do';

  @IsOptional() @IsString()
  ALIPAY_SELLER_ID?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(1440)
  ORDER_PAY_TIMEOUT_MINUTES = 30;

  @Transform(toBool) @IsBoolean()
  SIGN_REQUIRE_TIMESTAMP = false;

  @Transform(toInt) @IsInt() @Min(1) @Max(86400)
  SIGN_TIMESTAMP_WINDOW_SECONDS = 300;

  @Transform(toInt) @IsInt() @Min(0) @Max(86400)
  IDEMPOTENCY_WINDOW_SECONDS = 60;

  @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  POINTS_PER_YUAN = 100;

  /** Unset: demo data is loaded into the embedded SQLite database only. */
  @IsOptional() @Transform(toBool) @IsBoolean()
  DEMO_DATA?: boolean;

  /** Background jobs (pay timeout, merchant notifications); tests drive them by hand. */
  @Transform(toBool) @IsBoolean()
  JOBS_ENABLED = true;

  /** `GET /metrics` without the admin token; unset: open except in production. */
  @IsOptional() @Transform(toBool) @IsBoolean()
  METRICS_PUBLIC?: boolean;

  @IsIn(['debug', 'info', 'warn', 'error', 'silent'])
  LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' | 'silent' = 'info';

  get loadDemoData(): boolean {
    return this.DEMO_DATA ?? this.DB_TYPE === 'sqlite';
  }

  get metricsPublic(): boolean {
    return this.METRICS_PUBLIC ?? !this.isProduction;
  }

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  /** `auto` means sandbox unless live keys are configured (SPEC §6). */
  get alipayMode(): 'sandbox' | 'live' {
    if (this.ALIPAY_MODE !== 'auto') return this.ALIPAY_MODE;
    return this.ALIPAY_APP_ID && this.ALIPAY_PRIVATE_KEY && this.ALIPAY_PUBLIC_KEY ? 'live' : 'sandbox';
  }
}

export class ConfigError extends Error {}

/** Bits a key written in hex or base64url holds (hex when it could be either: the stricter reading). */
const keyBits = (key: string) => key.length * (/^[0-9a-fA-F]+$/.test(key) ? 4 : 6);

/** Builds and validates the configuration; throws `ConfigError` listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const known = [...Object.keys(new AppConfig()), 'DATABASE_URL', 'DEMO_DATA', 'METRICS_PUBLIC', 'REDIS_URL'];
  const raw = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => v !== undefined && v !== '' && (known.includes(k) || k.startsWith('ALIPAY_'))),
  );
  const config = plainToInstance(AppConfig, raw);
  const problems = validateSync(config, { forbidUnknownValues: false }).map(
    (e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`,
  );
  if (config.PUBLIC_BASE_URL === '') config.PUBLIC_BASE_URL = `http://localhost:${config.PORT}`;
  if (config.DB_TYPE === 'mysql' && !config.DATABASE_URL) {
    problems.push('DATABASE_URL: required when DB_TYPE=mysql');
  }
  if (config.alipayMode === 'live' && !(config.ALIPAY_APP_ID && config.ALIPAY_PRIVATE_KEY && config.ALIPAY_PUBLIC_KEY)) {
    problems.push('ALIPAY_MODE=live needs ALIPAY_APP_ID, ALIPAY_PRIVATE_KEY and ALIPAY_PUBLIC_KEY');
  }
  if (/^[A-Za-z0-9_-]+$/.test(config.PAY_LINK_KEY) && keyBits(config.PAY_LINK_KEY) < 128) {
    problems.push('PAY_LINK_KEY: at least 128 bits (22 base64url or 32 hex characters)');
  }
  if (config.isProduction) {
    if (config.PARTNER_SIGN_KEY === DEV_PARTNER_SIGN_KEY) problems.push('PARTNER_SIGN_KEY: the development key is refused in production');
    if (config.ADMIN_TOKEN === DEV_ADMIN_TOKEN) problems.push('ADMIN_TOKEN: the development token is refused in production');
    if (config.PAY_LINK_KEY === DEV_PAY_LINK_KEY) problems.push('PAY_LINK_KEY: the development key is refused in production');
    if (config.alipayMode === 'sandbox') problems.push('ALIPAY_MODE: the Alipay sandbox is refused in production');
    if (config.loadDemoData) problems.push('DEMO_DATA: demo data (with its development mall secret) is refused in production');
  }
  if (problems.length) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}
