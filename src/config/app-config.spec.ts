import { ConfigError, DEV_PARTNER_USER_TOKEN_SECRET, loadConfig, productionWarnings } from './app-config';

const LONG = (name: string) => `${name}-${'x'.repeat(32)}`;
/** A production environment that starts: long keys, a user-token secret, live Alipay, no demo data. */
const PRODUCTION = {
  NODE_ENV: 'production',
  PARTNER_SIGN_KEY: LONG('partner'),
  ADMIN_TOKEN: LONG('admin'),
  PARTNER_USER_TOKEN_SECRET: LONG('user-token'),
  PAY_LINK_KEY: 'z'.repeat(43),
  DEMO_DATA: 'false',
  ALIPAY_APP_ID: '2021',
  ALIPAY_PRIVATE_KEY: 'pk',
  ALIPAY_PUBLIC_KEY: 'pub',
};

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('loadConfig', () => {
  it('has working defaults for the embedded development setup', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, DB_TYPE: 'sqlite', SQLITE_PATH: 'data/app.sqlite', APP_TIMEZONE: 'Asia/Shanghai', ORDER_PAY_TIMEOUT_MINUTES: 30, POINTS_PER_YUAN: 100 });
    expect(config.alipayMode).toBe('sandbox');
    expect(config.loadDemoData).toBe(true);
  });

  it('parses numbers and booleans from strings', () => {
    const config = loadConfig({ PORT: '8080', SIGN_REQUIRE_TIMESTAMP: 'true', DB_TYPE: 'mysql', DATABASE_URL: 'mysql://u:p@h:3306/d' });
    expect(config.PORT).toBe(8080);
    expect(config.SIGN_REQUIRE_TIMESTAMP).toBe(true);
    expect(config.loadDemoData).toBe(false);
  });

  it('derives PUBLIC_BASE_URL from PORT unless it is set', () => {
    expect(loadConfig({}).PUBLIC_BASE_URL).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '3300' }).PUBLIC_BASE_URL).toBe('http://localhost:3300');
    expect(loadConfig({ PORT: '3300', PUBLIC_BASE_URL: 'https://pay.example.com' }).PUBLIC_BASE_URL).toBe('https://pay.example.com');
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'not a url' })).toThrow(/PUBLIC_BASE_URL/);
  });

  it('accepts IANA time zones only', () => {
    expect(loadConfig({ APP_TIMEZONE: 'Europe/Berlin' }).APP_TIMEZONE).toBe('Europe/Berlin');
    expect(() => loadConfig({ APP_TIMEZONE: 'Mars/Base' })).toThrow(/APP_TIMEZONE/);
  });

  it('serves metrics without a token in development only, unless METRICS_PUBLIC says otherwise', () => {
    expect(loadConfig({}).metricsPublic).toBe(true);
    expect(loadConfig({ METRICS_PUBLIC: 'false' }).metricsPublic).toBe(false);
    expect(loadConfig(PRODUCTION).metricsPublic).toBe(false);
    expect(loadConfig({ ...PRODUCTION, METRICS_PUBLIC: 'true' }).metricsPublic).toBe(true);
  });

  it('reads the merchant notification retry schedule as a comma list of seconds, and refuses a bad one', () => {
    expect(loadConfig({}).merchantNotifyRetrySeconds).toEqual([60, 300, 900, 3600, 21600, 86400]);
    expect(loadConfig({ MERCHANT_NOTIFY_RETRY_SECONDS: '1, 1,1' }).merchantNotifyRetrySeconds).toEqual([1, 1, 1]);
    expect(loadConfig({ MERCHANT_NOTIFY_RETRY_SECONDS: '30' }).merchantNotifyRetrySeconds).toEqual([30]);
    for (const bad of ['60,,300', '1m,5m', '-1', '60;300', '0,60', String(8 * 86400), Array(21).fill('1').join(',')]) {
      expect(problemsOf({ MERCHANT_NOTIFY_RETRY_SECONDS: bad })).toMatch(/MERCHANT_NOTIFY_RETRY_SECONDS/);
    }
  });

  it('purges expired request keys every 30 s unless IDEMPOTENCY_PURGE_INTERVAL_SECONDS says otherwise', () => {
    expect(loadConfig({}).IDEMPOTENCY_PURGE_INTERVAL_SECONDS).toBe(30);
    expect(loadConfig({ IDEMPOTENCY_PURGE_INTERVAL_SECONDS: '1' }).IDEMPOTENCY_PURGE_INTERVAL_SECONDS).toBe(1);
    expect(problemsOf({ IDEMPOTENCY_PURGE_INTERVAL_SECONDS: '0' })).toMatch(/IDEMPOTENCY_PURGE_INTERVAL_SECONDS/);
  });

  it('bounds the queue for a slot and the shutdown: 1024 waiting for at most 1 s, an exit within 10 s', () => {
    expect(loadConfig({})).toMatchObject({ MAX_QUEUE: 1024, MAX_QUEUE_MS: 1000, SHUTDOWN_TIMEOUT_SECONDS: 10 });
    expect(loadConfig({ MAX_QUEUE: '0', MAX_QUEUE_MS: '250', SHUTDOWN_TIMEOUT_SECONDS: '30' })).toMatchObject({ MAX_QUEUE: 0, MAX_QUEUE_MS: 250, SHUTDOWN_TIMEOUT_SECONDS: 30 });
    expect(problemsOf({ MAX_QUEUE: '-1', MAX_QUEUE_MS: '1.5', SHUTDOWN_TIMEOUT_SECONDS: '0' })).toMatch(/MAX_QUEUE[\s\S]*MAX_QUEUE_MS[\s\S]*SHUTDOWN_TIMEOUT_SECONDS/);
    expect(problemsOf({ SHUTDOWN_TIMEOUT_SECONDS: 'soon' })).toMatch(/SHUTDOWN_TIMEOUT_SECONDS/);
  });

  it('lists every invalid value', () => {
    expect(() => loadConfig({ PORT: 'abc', DB_TYPE: 'oracle' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc', DB_TYPE: 'oracle' })).toThrow(/PORT[\s\S]*DB_TYPE/);
    expect(() => loadConfig({ DB_TYPE: 'mysql' })).toThrow(/DATABASE_URL/);
  });

  it('names the value it refuses, and for a value of the wrong type only the type', () => {
    expect(problemsOf({ PORT: 'abc' })).toBe('Invalid configuration:\n  - PORT=abc: must be an integer number');
    expect(problemsOf({ PORT: '70000' })).toBe('Invalid configuration:\n  - PORT=70000: must not be greater than 65535');
    expect(problemsOf({ PORT: '-1', JOBS_ENABLED: 'yes', DB_TYPE: 'oracle', APP_TIMEZONE: 'Mars/Base' }).split('\n').slice(1)).toEqual(
      expect.arrayContaining([
        '  - PORT=-1: must not be less than 0',
        '  - JOBS_ENABLED=yes: must be a boolean value',
        '  - DB_TYPE=oracle: must be one of the following values: sqlite, mysql',
        '  - APP_TIMEZONE=Mars/Base: must be a valid IANA time-zone',
      ]),
    );
    expect(problemsOf({ PUBLIC_BASE_URL: 'not a url' })).toMatch(/PUBLIC_BASE_URL="not a url": must be a URL address/);
    expect(problemsOf({ REDIS_URL: 'http://cache:6379' })).toMatch(/REDIS_URL=http:\/\/cache:6379: must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  it('never shows a secret it refuses, nor the password of a URL', () => {
    const message = problemsOf({ PAY_LINK_KEY: 'not base64 secret!', REDIS_URL: 'http://user:hunter2@cache:6379' });
    expect(message).toMatch(/PAY_LINK_KEY \(18 characters, not shown\): must be base64url or hex/);
    expect(message).toMatch(/REDIS_URL=http:\/\/user:\*\*\*@cache:6379/);
    expect(message).not.toMatch(/secret!|hunter2/);
  });

  it('runs on MySQL when DATABASE_URL is a mysql:// or mariadb:// URL, without DB_TYPE', () => {
    expect(loadConfig({ DATABASE_URL: 'mysql://u:p@h:3306/d' })).toMatchObject({ DB_TYPE: 'mysql', DATABASE_URL: 'mysql://u:p@h:3306/d', loadDemoData: false });
    expect(loadConfig({ DATABASE_URL: 'mariadb://u@h/d' }).DB_TYPE).toBe('mysql');
    expect(loadConfig({ DATABASE_URL: 'MySQL://u@h/d' }).DB_TYPE).toBe('mysql');
    expect(loadConfig({ DB_TYPE: 'mysql', DATABASE_URL: 'mariadb://u@h/d' }).DB_TYPE).toBe('mysql');
    // Said explicitly, DB_TYPE wins: a DATABASE_URL left in the shell does not move a SQLite setup.
    expect(loadConfig({ DB_TYPE: 'sqlite', DATABASE_URL: 'mysql://u@h/d' }).DB_TYPE).toBe('sqlite');
    expect(loadConfig({}).DB_TYPE).toBe('sqlite');
  });

  it('refuses a DATABASE_URL of any other scheme, naming the scheme and not the password', () => {
    for (const url of ['postgres://u:secret@h:5432/d', 'postgresql://u:secret@h/d', 'sqlite:///data/app.sqlite', 'redis://h:6379']) {
      const message = problemsOf({ DATABASE_URL: url });
      expect(message).toContain(`DATABASE_URL=${url.split('//')[0]}//…: only mysql:// and mariadb:// URLs are supported`);
      expect(message).not.toContain('secret');
      expect(problemsOf({ DATABASE_URL: url, DB_TYPE: 'sqlite' })).toContain('only mysql:// and mariadb://');
    }
    expect(problemsOf({ DATABASE_URL: 'db.internal:3306/orders' })).toContain('DATABASE_URL=db.internal:3306/orders: only mysql:// and mariadb:// URLs are supported');
  });

  it('waits 30 s for a MySQL server that does not answer yet, unless DB_STARTUP_WAIT_SECONDS says otherwise', () => {
    expect(loadConfig({}).DB_STARTUP_WAIT_SECONDS).toBe(30);
    expect(loadConfig({ DB_STARTUP_WAIT_SECONDS: '0' }).DB_STARTUP_WAIT_SECONDS).toBe(0);
    expect(problemsOf({ DB_STARTUP_WAIT_SECONDS: 'soon' })).toMatch(/DB_STARTUP_WAIT_SECONDS=soon: must be an integer number/);
  });

  it('refuses the development key, token, demo data and Alipay sandbox in production', () => {
    let message = '';
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/PARTNER_SIGN_KEY/);
    expect(message).toMatch(/ADMIN_TOKEN/);
    expect(message).toMatch(/ALIPAY_MODE/);
    expect(message).toMatch(/DEMO_DATA/);
  });

  it('starts in production with real keys and live Alipay', () => {
    const config = loadConfig(PRODUCTION);
    expect(config.alipayMode).toBe('live');
    expect(productionWarnings(config)).toEqual([]);
  });

  it('refuses keys, tokens and secrets shorter than 32 characters in production, and the development user-token secret', () => {
    const message = problemsOf({ ...PRODUCTION, PARTNER_SIGN_KEY: 'k'.repeat(31), ADMIN_TOKEN: 't1', PARTNER_USER_TOKEN_SECRET: 's1' });
    expect(message).toMatch(/PARTNER_SIGN_KEY: at least 32/);
    expect(message).toMatch(/ADMIN_TOKEN: at least 32/);
    expect(message).toMatch(/PARTNER_USER_TOKEN_SECRET: at least 32/);
    expect(problemsOf({ ...PRODUCTION, PARTNER_USER_TOKEN_SECRET: DEV_PARTNER_USER_TOKEN_SECRET })).toMatch(/PARTNER_USER_TOKEN_SECRET: the published development value/);
    expect(problemsOf({ PARTNER_SIGN_KEY: 'k1', ADMIN_TOKEN: 't1' })).toBe('');
  });

  it('requires timestamps in production unless SIGN_REQUIRE_TIMESTAMP=false, which is warned about', () => {
    expect(loadConfig({}).requireTimestamp).toBe(false);
    expect(loadConfig({ SIGN_REQUIRE_TIMESTAMP: 'true' }).requireTimestamp).toBe(true);
    expect(loadConfig(PRODUCTION).requireTimestamp).toBe(true);
    const off = loadConfig({ ...PRODUCTION, SIGN_REQUIRE_TIMESTAMP: 'false' });
    expect(off.requireTimestamp).toBe(false);
    expect(productionWarnings(off)).toEqual([expect.stringMatching(/^SIGN_REQUIRE_TIMESTAMP=false/)]);
  });

  it('requires partner user tokens in production, optional elsewhere with the development secret', () => {
    expect(loadConfig({})).toMatchObject({ partnerUserTokenMode: 'optional', partnerUserTokenSecret: DEV_PARTNER_USER_TOKEN_SECRET });
    expect(loadConfig(PRODUCTION).partnerUserTokenMode).toBe('required');
    const { PARTNER_USER_TOKEN_SECRET: _, ...keyless } = PRODUCTION;
    expect(problemsOf(keyless)).toMatch(/PARTNER_USER_TOKEN=required needs PARTNER_USER_TOKEN_SECRET or PARTNER_USER_TOKEN_PUBLIC_KEY/);
    expect(productionWarnings(loadConfig({ ...keyless, PARTNER_USER_TOKEN: 'off' }))).toEqual([expect.stringMatching(/^PARTNER_USER_TOKEN=off/)]);
    expect(loadConfig({ PARTNER_USER_TOKEN_PUBLIC_KEY: 'pem' }).partnerUserTokenSecret).toBeUndefined();
    expect(problemsOf({ PARTNER_USER_TOKEN_SECRET: 's', PARTNER_USER_TOKEN_PUBLIC_KEY: 'pem' })).toMatch(/not both/);
    expect(problemsOf({ PARTNER_USER_TOKEN: 'sometimes' })).toMatch(/PARTNER_USER_TOKEN/);
  });

  it('lets no other origin call the API unless CORS_ORIGINS names it, and refuses what a browser never sends as an origin', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: 'https://h5.example.com, http://localhost:5173' }).corsOrigins).toEqual(['https://h5.example.com', 'http://localhost:5173']);
    for (const bad of ['*', 'h5.example.com', 'https://h5.example.com/', 'https://h5.example.com/app', 'https://H5.example.com', 'ftp://example.com', 'https://h5.example.com:443']) {
      expect(problemsOf({ CORS_ORIGINS: `http://ok.example.com,${bad}` })).toContain(`CORS_ORIGINS: not an origin (scheme://host[:port], lower case, no path or '*'): ${bad}`);
    }
  });

  it('trusts no proxy unless TRUST_PROXY names addresses, CIDRs or a hop count', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1,loopback' }).trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', '::1', 'loopback']);
    expect(problemsOf({ TRUST_PROXY: 'true' })).toMatch(/TRUST_PROXY: not an address, CIDR or hop count: true/);
    expect(problemsOf({ TRUST_PROXY: '10.0.0.0/33' })).toMatch(/TRUST_PROXY/);
  });
});
