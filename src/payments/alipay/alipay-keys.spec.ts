import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/app-config';
import { loadAlipayKeys, parsePrivateKey, parsePublicKey, pemOf, SANDBOX_APP_ID, SANDBOX_SELLER_ID } from './alipay-keys';
import { rsa2Sign, rsa2Verify } from './alipay-wire';

describe('alipay keys', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'alipay-keys-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('sandbox: generates two RSA 2048 pairs on first start and reuses them afterwards', async () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    const first = await loadAlipayKeys(config);
    expect(first.mode).toBe('sandbox');
    expect(first.appId).toBe(SANDBOX_APP_ID);
    expect(first.sellerId).toBe(SANDBOX_SELLER_ID);
    expect(first.appPrivateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const dir = join(dataDir, 'alipay-sandbox');
    for (const file of ['app-private-key.pem', 'app-public-key.pem', 'alipay-private-key.pem', 'alipay-public-key.pem']) {
      expect(existsSync(join(dir, file))).toBe(true);
    }
    expect(statSync(join(dir, 'app-private-key.pem')).mode & 0o077).toBe(0);
    expect(readFileSync(join(dir, 'alipay-public-key.pem'), 'utf8').trim()).toBe(pemOf(first.alipayPublicKey));

    const again = await loadAlipayKeys(config);
    expect(pemOf(again.appPrivateKey)).toBe(pemOf(first.appPrivateKey));
    expect(pemOf(again.alipayPublicKey)).toBe(pemOf(first.alipayPublicKey));
    expect(pemOf(first.appPrivateKey)).not.toBe(pemOf(first.sandbox!.alipayPrivateKey));

    const signature = rsa2Sign('x=1', first.sandbox!.alipayPrivateKey);
    expect(rsa2Verify('x=1', signature, first.alipayPublicKey)).toBe(true);
    expect(rsa2Verify('x=1', rsa2Sign('x=1', first.appPrivateKey), first.sandbox!.appPublicKey)).toBe(true);
  });

  it('live: keys come from the configuration, in the forms Alipay hands them out', async () => {
    const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const bareBase64 = app.privateKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');
    const config = loadConfig({
      DATA_DIR: dataDir,
      ALIPAY_APP_ID: '2021004100000001',
      ALIPAY_PRIVATE_KEY: bareBase64,
      ALIPAY_PUBLIC_KEY: alipay.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      ALIPAY_SELLER_ID: '2088101122334455',
    });
    const keys = await loadAlipayKeys(config);
    expect(keys.mode).toBe('live');
    expect(keys.appId).toBe('2021004100000001');
    expect(keys.sellerId).toBe('2088101122334455');
    expect(keys.sandbox).toBeNull();
    expect(pemOf(keys.appPrivateKey)).toBe(pemOf(app.privateKey));
    expect(pemOf(keys.alipayPublicKey)).toBe(pemOf(alipay.publicKey));
    expect(existsSync(join(dataDir, 'alipay-sandbox'))).toBe(false);
  });

  it('parses PEM (PKCS#1 and PKCS#8), bare base64 and env-escaped newlines; refuses anything else', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const expected = pemOf(privateKey);
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pemOf(parsePrivateKey(pkcs1, 'K'))).toBe(expected);
    expect(pemOf(parsePrivateKey(pkcs1.replace(/\n/g, '\\n'), 'K'))).toBe(expected);
    expect(pemOf(parsePrivateKey(privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'), 'K'))).toBe(expected);
    expect(pemOf(parsePublicKey(publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(), 'K'))).toBe(pemOf(publicKey));
    expect(() => parsePrivateKey('not a key', 'ALIPAY_PRIVATE_KEY')).toThrow('ALIPAY_PRIVATE_KEY: not an RSA key');
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => parsePublicKey(pemOf(createPublicKey(ec.privateKey)), 'ALIPAY_PUBLIC_KEY')).toThrow('ALIPAY_PUBLIC_KEY');
  });
});
