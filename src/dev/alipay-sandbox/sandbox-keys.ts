import { createPrivateKey, createPublicKey, generateKeyPair, KeyObject, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppConfig } from '../../config/app-config';
import { AlipayKeys, pemOf } from '../../payments/alipay/alipay-keys';

export const SANDBOX_APP_ID = '2021000000000000';
export const SANDBOX_SELLER_ID = '2088000000000000';
export const SANDBOX_GATEWAY_PATH = '/dev/alipay/gateway';

/**
 * The sandbox's two key pairs, kept under `DATA_DIR/alipay-sandbox/`: our app's (the service signs with its private
 * half, the sandbox checks with the public one) and "Alipay's" (the sandbox signs notifies and answers with its private
 * half, the service checks with the public one).
 */
export class SandboxAlipayKeys {
  readonly appPublicKey: KeyObject;
  readonly alipayPublicKey: KeyObject;

  constructor(
    readonly appPrivateKey: KeyObject,
    readonly alipayPrivateKey: KeyObject,
  ) {
    this.appPublicKey = createPublicKey(appPrivateKey);
    this.alipayPublicKey = createPublicKey(alipayPrivateKey);
  }

  /** The channel identity the service uses against the sandbox gateway at `publicBaseUrl`. */
  channel(publicBaseUrl: string): AlipayKeys {
    return new AlipayKeys(SANDBOX_APP_ID, SANDBOX_SELLER_ID, this.appPrivateKey, this.alipayPublicKey, `${publicBaseUrl.replace(/\/+$/, '')}${SANDBOX_GATEWAY_PATH}`);
  }
}

const generateRsaKeyPair = promisify(generateKeyPair);

/** The sandbox keys from (or, on a first start, newly into) `DATA_DIR/alipay-sandbox/`. */
export async function loadSandboxKeys(config: AppConfig): Promise<SandboxAlipayKeys> {
  const dir = sandboxDirectory(config);
  const [appPrivateKey, alipayPrivateKey] = await Promise.all([sandboxKeyPair(dir, 'app'), sandboxKeyPair(dir, 'alipay')]);
  return new SandboxAlipayKeys(appPrivateKey, alipayPrivateKey);
}

/**
 * Starts reading, or on a first start generating, the sandbox keys before the service's modules are loaded, so that
 * the generation (a quarter of a second of CPU per key, on libuv's threads) runs beside the loading instead of after
 * it; `loadSandboxKeys` then takes over what is under way. A failure is reported by `loadSandboxKeys`, which tries
 * again.
 */
export function prepareSandboxKeys(config: AppConfig): void {
  const dir = sandboxDirectory(config);
  void sandboxKeyPair(dir, 'app');
  void sandboxKeyPair(dir, 'alipay');
}

function sandboxDirectory(config: AppConfig): string {
  const dir = join(config.DATA_DIR, 'alipay-sandbox');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Sandbox keys this process is reading or generating, by file: `prepareSandboxKeys` and `loadSandboxKeys` share them. */
const underWay = new Map<string, Promise<KeyObject>>();

function sandboxKeyPair(dir: string, role: 'app' | 'alipay'): Promise<KeyObject> {
  const privateFile = join(dir, `${role}-private-key.pem`);
  let key = underWay.get(privateFile);
  if (!key) {
    key = readOrGenerateKeyPair(dir, role, privateFile);
    underWay.set(privateFile, key);
    const settled = () => underWay.delete(privateFile);
    key.then(settled, settled);
  }
  return key;
}

/**
 * The private key of a sandbox pair, generated on first start, on libuv's threads (RSA key generation is a prime
 * search: a quarter of a second of CPU, more or less). Several instances may start together on one data directory:
 * the key is written to a private temporary file and hard-linked into place, so every instance ends up reading the
 * same complete key. The public half is written beside it for people checking signatures by hand; the service itself
 * derives it from the private key.
 */
async function readOrGenerateKeyPair(dir: string, role: 'app' | 'alipay', privateFile: string): Promise<KeyObject> {
  if (!existsSync(privateFile)) {
    const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
    const temporary = `${privateFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(temporary, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    try {
      linkSync(temporary, privateFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(temporary);
    }
  }
  const privateKey = createPrivateKey(readFileSync(privateFile, 'utf8'));
  const publicFile = join(dir, `${role}-public-key.pem`);
  if (!existsSync(publicFile)) writeFileSync(publicFile, `${pemOf(createPublicKey(privateKey))}\n`);
  return privateKey;
}
