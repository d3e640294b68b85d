import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/app-config';
import { liveAlipayKeys, parsePrivateKey, parsePublicKey, pemOf } from './alipay-keys';

describe('alipay keys', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'alipay-keys-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('live: keys come from the configuration, in the forms Alipay hands them out', () => {
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
    const keys = liveAlipayKeys(config);
    expect(keys.appId).toBe('2021004100000001');
    expect(keys.sellerId).toBe('2088101122334455');
    expect(keys.gateway).toBe(config.ALIPAY_GATEWAY);
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
