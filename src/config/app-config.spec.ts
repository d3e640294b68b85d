import { ConfigError, loadConfig } from './app-config';

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
    const production = { NODE_ENV: 'production', PARTNER_SIGN_KEY: 'k1', ADMIN_TOKEN: 't1', PAY_LINK_KEY: 'z'.repeat(43), DEMO_DATA: 'false', ALIPAY_APP_ID: '2021', ALIPAY_PRIVATE_KEY: 'pk', ALIPAY_PUBLIC_KEY: 'pub' };
    expect(loadConfig(production).metricsPublic).toBe(false);
    expect(loadConfig({ ...production, METRICS_PUBLIC: 'true' }).metricsPublic).toBe(true);
  });

  it('lists every invalid value', () => {
    expect(() => loadConfig({ PORT: 'abc', DB_TYPE: 'oracle' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc', DB_TYPE: 'oracle' })).toThrow(/PORT[\s\S]*DB_TYPE/);
    expect(() => loadConfig({ DB_TYPE: 'mysql' })).toThrow(/DATABASE_URL/);
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
    const config = loadConfig({
      NODE_ENV: 'production',
      PARTNER_SIGN_KEY: 'k1',
      ADMIN_TOKEN: 't1',
      PAY_LINK_KEY: 'z'.repeat(43),
      DEMO_DATA: 'false',
      ALIPAY_APP_ID: '2021',
      ALIPAY_PRIVATE_KEY: 'pk',
      ALIPAY_PUBLIC_KEY: 'pub',
    });
    expect(config.alipayMode).toBe('live');
  });
});
