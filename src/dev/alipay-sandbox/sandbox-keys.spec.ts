import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/app-config';
import { pemOf } from '../../payments/alipay/alipay-keys';
import { rsa2Sign, rsa2Verify } from '../../payments/alipay/alipay-wire';
import { loadSandboxKeys, SANDBOX_APP_ID, SANDBOX_SELLER_ID } from './sandbox-keys';

describe('alipay sandbox keys', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sandbox-keys-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('generates two RSA 2048 pairs on first start and reuses them afterwards', async () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    const first = await loadSandboxKeys(config);
    const channel = first.channel('http://localhost:3000/');
    expect(channel.appId).toBe(SANDBOX_APP_ID);
    expect(channel.sellerId).toBe(SANDBOX_SELLER_ID);
    expect(channel.gateway).toBe('http://localhost:3000/dev/alipay/gateway');
    expect(first.appPrivateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const dir = join(dataDir, 'alipay-sandbox');
    for (const file of ['app-private-key.pem', 'app-public-key.pem', 'alipay-private-key.pem', 'alipay-public-key.pem']) {
      expect(existsSync(join(dir, file))).toBe(true);
    }
    expect(statSync(join(dir, 'app-private-key.pem')).mode & 0o077).toBe(0);
    expect(readFileSync(join(dir, 'alipay-public-key.pem'), 'utf8').trim()).toBe(pemOf(first.alipayPublicKey));

    const again = await loadSandboxKeys(config);
    expect(pemOf(again.appPrivateKey)).toBe(pemOf(first.appPrivateKey));
    expect(pemOf(again.alipayPublicKey)).toBe(pemOf(first.alipayPublicKey));
    expect(pemOf(first.appPrivateKey)).not.toBe(pemOf(first.alipayPrivateKey));

    const signature = rsa2Sign('x=1', first.alipayPrivateKey);
    expect(rsa2Verify('x=1', signature, first.alipayPublicKey)).toBe(true);
    expect(rsa2Verify('x=1', rsa2Sign('x=1', first.appPrivateKey), first.appPublicKey)).toBe(true);
  });
});
