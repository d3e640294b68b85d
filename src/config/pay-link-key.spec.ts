import { ConfigError, DEV_PAY_LINK_KEY, loadConfig } from './app-config';

describe('PAY_LINK_KEY', () => {
  it('takes at least 128 bits, as base64url or hex', () => {
    expect(loadConfig({ PAY_LINK_KEY: 'z'.repeat(22) }).PAY_LINK_KEY).toBe('z'.repeat(22));
    expect(loadConfig({ PAY_LINK_KEY: 'ab'.repeat(16) }).PAY_LINK_KEY).toBe('ab'.repeat(16));
    expect(() => loadConfig({ PAY_LINK_KEY: 'z'.repeat(21) })).toThrow(ConfigError);
    expect(() => loadConfig({ PAY_LINK_KEY: 'ab'.repeat(15) })).toThrow(/PAY_LINK_KEY: at least 128 bits/);
    expect(() => loadConfig({ PAY_LINK_KEY: 'not base64url!' + 'x'.repeat(30) })).toThrow(/PAY_LINK_KEY \(44 characters, not shown\): must be base64url or hex/);
  });

  it('refuses the development key in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PAY_LINK_KEY: DEV_PAY_LINK_KEY })).toThrow(/PAY_LINK_KEY: the development key is refused in production/);
  });
});
