import { isIP } from 'node:net';
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
  ValidationError,
  validateSync,
} from 'class-validator';

/** Development defaults from SPEC §9; `NODE_ENV=production` refuses to start with any of them. */
export const DEV_PARTNER_SIGN_KEY = 'partner-dev-key';
export const DEV_ADMIN_TOKEN = 'admin-dev-token';
export const DEV_PAY_LINK_KEY = 'pay-link-development-key';
/** Signs the partner user tokens that Swagger's page and `npm run sign` mint in development. */
export const DEV_PARTNER_USER_TOKEN_SECRET = 'partner-user-token-dev-secret-0000';

/** Keys, tokens and secrets shorter than this are refused in production: short enough to guess or brute-force offline. */
export const MIN_PRODUCTION_SECRET_LENGTH = 32;

export type PartnerUserTokenMode = 'off' | 'optional' | 'required';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** A comma list of whole seconds (`60,300,900`). */
const WHOLE_SECONDS_LIST = /^\s*\d+(\s*,\s*\d+)*\s*$/;

/** The entries of a comma list, trimmed. */
const commaList = (text: string) => text.split(',').map((entry) => entry.trim());

/** The environment as the service reads it. This file is the only reader of `process.env`. */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  /** Unset: `mysql` when DATABASE_URL is a `mysql://` or `mariadb://` URL, else `sqlite` (SPEC §8). */
  @IsIn(['sqlite', 'mysql'])
  DB_TYPE: 'sqlite' | 'mysql' = 'sqlite';

  @IsString()
  SQLITE_PATH = 'data/app.sqlite';

  @IsOptional() @IsString()
  DATABASE_URL?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(200)
  DB_POOL_SIZE = 20;

  /** How long the start waits for a MySQL server that does not answer yet (a container starting beside it). */
  @Transform(toInt) @IsInt() @Min(0) @Max(3600)
  DB_STARTUP_WAIT_SECONDS = 30;

  /** How long a request may wait for a MySQL connection before it is answered 503. */
  @Transform(toInt) @IsInt() @Min(100) @Max(60_000)
  DB_ACQUIRE_TIMEOUT_MS = 2_000;

  /** Requests handled at once by one instance; the next ones wait for a slot (MAX_QUEUE, MAX_QUEUE_MS), then 503. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000)
  MAX_IN_FLIGHT = 64;

  /** Requests that may wait for a slot at once; past it, 503 at once. 0: none waits. */
  @Transform(toInt) @IsInt() @Min(0) @Max(100_000)
  MAX_QUEUE = 1024;

  /** The longest a request waits for a slot before it is answered 503. */
  @Transform(toInt) @IsInt() @Min(0) @Max(60_000)
  MAX_QUEUE_MS = 1_000;

  /** On SIGTERM or SIGINT the process exits within this, whatever its clients do. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3_600)
  SHUTDOWN_TIMEOUT_SECONDS = 10;

  /** Signed or admin requests per caller and minute (and failed ones per client IP); 0 turns the limit off. */
  @Transform(toInt) @IsInt() @Min(0) @Max(10_000_000)
  RATE_LIMIT_PER_MINUTE = 1200;

  /** The rate limiter's store shared by all instances; unset, each instance counts alone. */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['redis', 'rediss'] }, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsString()
  DATA_DIR = 'data';

  @IsString()
  PARTNER_SIGN_KEY = DEV_PARTNER_SIGN_KEY;

  @IsString()
  ADMIN_TOKEN = DEV_ADMIN_TOKEN;

  /** Signs the cashier links (`pay_link`, SPEC §6): at least 128 bits, as base64url or hex. */
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'must be base64url or hex' })
  PAY_LINK_KEY = DEV_PAY_LINK_KEY;

  /** Unset: `required` in production, `optional` elsewhere (SPEC §3). */
  @IsOptional() @IsIn(['off', 'optional', 'required'])
  PARTNER_USER_TOKEN?: PartnerUserTokenMode;

  /** HS256 key of partner user tokens; unset outside production and without a public key: the development secret. */
  @IsOptional() @IsString()
  PARTNER_USER_TOKEN_SECRET?: string;

  /** PEM public key (RSA for RS256, P-256 for ES256) of partner user tokens, instead of a secret. */
  @IsOptional() @IsString()
  PARTNER_USER_TOKEN_PUBLIC_KEY?: string;

  @IsOptional() @IsString()
  PARTNER_USER_TOKEN_ISSUER?: string;

  @IsOptional() @IsString()
  PARTNER_USER_TOKEN_AUDIENCE?: string;

  /** The proxies whose `X-Forwarded-For` names the client: a comma list of addresses or CIDRs, or a hop count. Unset: none. */
  @IsOptional() @IsString()
  TRUST_PROXY?: string;

  /** The origins whose pages may call the API from a browser (SPEC §11): a comma list such as `https://h5.example.com`. Unset: none. */
  @IsOptional() @IsString()
  CORS_ORIGINS?: string;

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

  /** Unset: required in production only (SPEC §3). */
  @IsOptional() @Transform(toBool) @IsBoolean()
  SIGN_REQUIRE_TIMESTAMP?: boolean;

  @Transform(toInt) @IsInt() @Min(1) @Max(86400)
  SIGN_TIMESTAMP_WINDOW_SECONDS = 300;

  @Transform(toInt) @IsInt() @Min(0) @Max(86400)
  IDEMPOTENCY_WINDOW_SECONDS = 60;

  /** How often expired nonces and idempotency records are deleted, in batches (SPEC §11 Housekeeping). */
  @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  IDEMPOTENCY_PURGE_INTERVAL_SECONDS = 30;

  @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  POINTS_PER_YUAN = 100;

  /** Seconds to wait before each retry of a merchant notification, a comma list (SPEC §6); after the last, `failed`. */
  @Matches(WHOLE_SECONDS_LIST, { message: 'MERCHANT_NOTIFY_RETRY_SECONDS must be a comma list of whole seconds, e.g. 60,300,900' })
  MERCHANT_NOTIFY_RETRY_SECONDS = '60,300,900,3600,21600,86400';

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

  get merchantNotifyRetrySeconds(): number[] {
    return commaList(this.MERCHANT_NOTIFY_RETRY_SECONDS).map(Number);
  }

  get loadDemoData(): boolean {
    return this.DEMO_DATA ?? this.DB_TYPE === 'sqlite';
  }

  get metricsPublic(): boolean {
    return this.METRICS_PUBLIC ?? !this.isProduction;
  }

  get requireTimestamp(): boolean {
    return this.SIGN_REQUIRE_TIMESTAMP ?? this.isProduction;
  }

  get partnerUserTokenMode(): PartnerUserTokenMode {
    return this.PARTNER_USER_TOKEN ?? (this.isProduction ? 'required' : 'optional');
  }

  /** The HS256 secret of partner user tokens, if they are checked with one. */
  get partnerUserTokenSecret(): string | undefined {
    if (this.PARTNER_USER_TOKEN_SECRET !== undefined || this.PARTNER_USER_TOKEN_PUBLIC_KEY !== undefined || this.isProduction) {
      return this.PARTNER_USER_TOKEN_SECRET;
    }
    return DEV_PARTNER_USER_TOKEN_SECRET;
  }

  /** Fastify's `trustProxy`: the proxies, or the number of hops, whose `X-Forwarded-For` is believed; false: none. */
  get trustProxy(): false | number | string[] {
    const value = this.TRUST_PROXY?.trim();
    if (!value) return false;
    if (/^\d+$/.test(value)) return Number(value) === 0 ? false : Number(value);
    return commaList(value);
  }

  /** CORS_ORIGINS as a list; empty when no page of another origin may call the API. */
  get corsOrigins(): string[] {
    return commaList(this.CORS_ORIGINS ?? '').filter((entry) => entry !== '');
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
  const known = [
    ...Object.keys(new AppConfig()),
    'DATABASE_URL',
    'DEMO_DATA',
    'METRICS_PUBLIC',
    'REDIS_URL',
    'SIGN_REQUIRE_TIMESTAMP',
    'TRUST_PROXY',
    'CORS_ORIGINS',
    'PARTNER_USER_TOKEN',
    'PARTNER_USER_TOKEN_SECRET',
    'PARTNER_USER_TOKEN_PUBLIC_KEY',
    'PARTNER_USER_TOKEN_ISSUER',
    'PARTNER_USER_TOKEN_AUDIENCE',
  ];
  const raw: Record<string, string> = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => {
      const [k, v] = entry;
      return v !== undefined && v !== '' && (known.includes(k) || k.startsWith('ALIPAY_'));
    }),
  );
  const problems: string[] = [];
  const databaseScheme = raw.DATABASE_URL === undefined ? undefined : schemeOf(raw.DATABASE_URL);
  if (databaseScheme !== undefined && !DATABASE_SCHEMES.includes(databaseScheme)) {
    problems.push(`${databaseScheme ? `DATABASE_URL=${databaseScheme}//…` : given('DATABASE_URL', raw.DATABASE_URL!)}: only mysql:// and mariadb:// URLs are supported (mysql://user:pass@host:3306/db); the embedded SQLite needs no DATABASE_URL`);
  } else if (databaseScheme !== undefined && raw.DB_TYPE === undefined) {
    raw.DB_TYPE = 'mysql';
  }
  const config = plainToInstance(AppConfig, raw);
  problems.push(...validateSync(config, { forbidUnknownValues: false }).map((e) => describeInvalid(e, raw[e.property])));
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
  problems.push(...trustProxyProblems(config.trustProxy), ...corsOriginProblems(config.corsOrigins), ...userTokenProblems(config), ...notifyRetryProblems(config));
  if (config.isProduction) {
    const secrets = { PARTNER_SIGN_KEY: config.PARTNER_SIGN_KEY, ADMIN_TOKEN: config.ADMIN_TOKEN, PARTNER_USER_TOKEN_SECRET: config.PARTNER_USER_TOKEN_SECRET };
    const published = [DEV_PARTNER_SIGN_KEY, DEV_ADMIN_TOKEN, DEV_PARTNER_USER_TOKEN_SECRET];
    for (const [name, value] of Object.entries(secrets)) {
      if (value === undefined) continue;
      if (published.includes(value)) problems.push(`${name}: the published development value is refused in production`);
      else if (value.length < MIN_PRODUCTION_SECRET_LENGTH) problems.push(`${name}: at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production`);
    }
    if (config.PAY_LINK_KEY === DEV_PAY_LINK_KEY) problems.push('PAY_LINK_KEY: the development key is refused in production');
    if (config.alipayMode === 'sandbox') problems.push('ALIPAY_MODE: the Alipay sandbox is refused in production');
    if (config.loadDemoData) problems.push('DEMO_DATA: demo data (with its development mall secret) is refused in production');
  }
  if (problems.length) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}

/** The URL schemes DATABASE_URL may have: MySQL's dialect and MariaDB's (SPEC §8). */
const DATABASE_SCHEMES = ['mysql:', 'mariadb:'];

/** `postgres:` of `postgres://…`; `''` for text that is no URL. */
function schemeOf(url: string): string {
  return /^([a-z][a-z0-9+.-]*:)\/\//i.exec(url)?.[1].toLowerCase() ?? '';
}

/** Variables whose values are never written to a log, not even when they are wrong. */
const SECRET_VARIABLES = new Set(['PARTNER_SIGN_KEY', 'ADMIN_TOKEN', 'PAY_LINK_KEY', 'PARTNER_USER_TOKEN_SECRET', 'ALIPAY_PRIVATE_KEY']);

/** A variable and its value as a configuration error shows them: secrets hidden, a URL's password masked, long text cut. */
function given(name: string, value: string): string {
  if (SECRET_VARIABLES.has(name)) return `${name} (${value.length} characters, not shown)`;
  let text = value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
  if (text.length > 100) text = `${text.slice(0, 99)}…`;
  return `${name}=${/^[\w.:/@%+,*~-]+$/.test(text) ? text : JSON.stringify(text)}`;
}

/**
 * One line per bad variable, naming the value given: `PORT=abc: must be an integer number`. A value of the wrong type
 * says only that, not also every bound it cannot meet.
 */
function describeInvalid(error: ValidationError, value: string | undefined): string {
  const constraints = error.constraints ?? {};
  const typeCheck = ['isInt', 'isBoolean'].find((name) => name in constraints);
  const messages = (typeCheck ? [constraints[typeCheck]] : Object.values(constraints).reverse()).map((message) =>
    message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message,
  );
  return `${value === undefined ? error.property : given(error.property, value)}: ${messages.join(', ')}`;
}

function trustProxyProblems(trustProxy: AppConfig['trustProxy']): string[] {
  if (!Array.isArray(trustProxy)) return [];
  const named = ['loopback', 'linklocal', 'uniquelocal'];
  const valid = (entry: string) => {
    const [address, bits, extra] = entry.split('/');
    if (extra !== undefined || isIP(address) === 0) return named.includes(entry);
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128));
  };
  const invalid = trustProxy.filter((entry) => !valid(entry));
  return invalid.length ? [`TRUST_PROXY: not an address, CIDR or hop count: ${invalid.join(', ')}`] : [];
}

/** A browser sends its page's origin as `scheme://host[:port]`, nothing more: only an entry of that form can ever match. */
function corsOriginProblems(origins: string[]): string[] {
  const isOrigin = (entry: string) => {
    try {
      const url = new URL(entry);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === entry;
    } catch {
      return false;
    }
  };
  const invalid = origins.filter((entry) => !isOrigin(entry));
  return invalid.length ? [`CORS_ORIGINS: not an origin (scheme://host[:port], lower case, no path or '*'): ${invalid.join(', ')}`] : [];
}

/** Merchants are told within a week at most, and a schedule never spins: 1 s to 7 days each, at most 20 retries. */
const MAX_NOTIFY_RETRIES = 20;
const MAX_NOTIFY_RETRY_SECONDS = 7 * 86400;

function notifyRetryProblems(config: AppConfig): string[] {
  if (!WHOLE_SECONDS_LIST.test(config.MERCHANT_NOTIFY_RETRY_SECONDS)) return [];
  const delays = config.merchantNotifyRetrySeconds;
  if (delays.length > MAX_NOTIFY_RETRIES) return [`MERCHANT_NOTIFY_RETRY_SECONDS: at most ${MAX_NOTIFY_RETRIES} retries`];
  const out = delays.filter((d) => d < 1 || d > MAX_NOTIFY_RETRY_SECONDS);
  return out.length ? [`MERCHANT_NOTIFY_RETRY_SECONDS: each delay from 1 to ${MAX_NOTIFY_RETRY_SECONDS} seconds (got ${out.join(', ')})`] : [];
}

function userTokenProblems(config: AppConfig): string[] {
  if (config.PARTNER_USER_TOKEN_SECRET !== undefined && config.PARTNER_USER_TOKEN_PUBLIC_KEY !== undefined) {
    return ['PARTNER_USER_TOKEN_SECRET, PARTNER_USER_TOKEN_PUBLIC_KEY: set one of them, not both'];
  }
  if (config.partnerUserTokenMode !== 'off' && config.partnerUserTokenSecret === undefined && config.PARTNER_USER_TOKEN_PUBLIC_KEY === undefined) {
    return [`PARTNER_USER_TOKEN=${config.partnerUserTokenMode} needs PARTNER_USER_TOKEN_SECRET or PARTNER_USER_TOKEN_PUBLIC_KEY (or PARTNER_USER_TOKEN=off)`];
  }
  return [];
}

/** Choices that are allowed but weaken production, for the start to log. */
export function productionWarnings(config: AppConfig): string[] {
  if (!config.isProduction) return [];
  const warnings: string[] = [];
  if (!config.requireTimestamp) warnings.push('SIGN_REQUIRE_TIMESTAMP=false: signed requests without timestamp and nonce are accepted, so a captured request can be replayed');
  if (config.partnerUserTokenMode !== 'required') warnings.push(`PARTNER_USER_TOKEN=${config.partnerUserTokenMode}: the partner signing key alone may act for any user_id`);
  return warnings;
}
