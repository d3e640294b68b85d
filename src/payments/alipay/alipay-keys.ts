import { createPrivateKey, createPublicKey, generateKeyPair, KeyObject, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppConfig } from '../../config/app-config';

export const SANDBOX_APP_ID = '2021000000000000';
export const SANDBOX_SELLER_ID = '2088000000000000';

/** What the sandbox needs to play Alipay: check our requests, sign its notifies. */
export interface SandboxAlipayKeys {
  appPublicKey: KeyObject;
  alipayPrivateKey: KeyObject;
}

/** The Alipay channel's identity: our app key signs requests, Alipay's public key checks notifies. */
export class AlipayKeys {
  constructor(
    readonly mode: 'sandbox' | 'live',
    readonly appId: string,
    /** `''` when none is configured: notifies are then not checked against a seller. */
    readonly sellerId: string,
    readonly appPrivateKey: KeyObject,
    readonly alipayPublicKey: KeyObject,
    /** Null in live mode, where Alipay's private key is, rightly, nowhere near us. */
    readonly sandbox: SandboxAlipayKeys | null,
  ) {}
}

const generateRsaKeyPair = promisify(generateKeyPair);

/** Live keys from the configuration; sandbox keys from (or newly into) `DATA_DIR/alipay-sandbox/`. */
export async function loadAlipayKeys(config: AppConfig): Promise<AlipayKeys> {
  if (config.alipayMode === 'live') {
    return new AlipayKeys(
      'live',
      config.ALIPAY_APP_ID!,
      config.ALIPAY_SELLER_ID ?? '',
      parsePrivateKey(config.ALIPAY_PRIVATE_KEY!, 'ALIPAY_PRIVATE_KEY'),
      parsePublicKey(config.ALIPAY_PUBLIC_KEY!, 'ALIPAY_PUBLIC_KEY'),
      null,
    );
  }
  const dir = sandboxDirectory(config);
  const [appPrivateKey, alipayPrivateKey] = await Promise.all([sandboxKeyPair(dir, 'app'), sandboxKeyPair(dir, 'alipay')]);
  return new AlipayKeys('sandbox', SANDBOX_APP_ID, SANDBOX_SELLER_ID, appPrivateKey, createPublicKey(alipayPrivateKey), {
    appPublicKey: createPublicKey(appPrivateKey),
    alipayPrivateKey,
  });
}

/**
 * Starts reading, or on a first start generating, the sandbox keys before the service's modules are loaded, so that
 * the generation (a quarter of a second of CPU per key, on libuv's threads) runs beside the loading instead of after
 * it; `loadAlipayKeys` then takes over what is under way. Nothing to do in live mode. A failure is reported by
 * `loadAlipayKeys`, which tries again.
 */
export function prepareAlipayKeys(config: AppConfig): void {
  if (config.alipayMode === 'live') return;
  const dir = sandboxDirectory(config);
  void sandboxKeyPair(dir, 'app');
  void sandboxKeyPair(dir, 'alipay');
}

function sandboxDirectory(config: AppConfig): string {
  const dir = join(config.DATA_DIR, 'alipay-sandbox');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** PEM text as alipay-sdk takes it (it re-wraps the lines itself and chokes on a trailing newline). */
export function pemOf(key: KeyObject): string {
  const pem = key.type === 'private' ? key.export({ type: 'pkcs8', format: 'pem' }) : key.export({ type: 'spki', format: 'pem' });
  return pem.toString().trim();
}

/**
 * Accepts a PEM (PKCS#1 or PKCS#8) or the bare base64 body that Alipay's key tool prints, with `\n` escapes
 * as env files often carry them.
 */
export function parsePrivateKey(text: string, name: string): KeyObject {
  return parseKey(text, name, (key) => createPrivateKey(key), (der) => [
    () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
    () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }),
  ]);
}

export function parsePublicKey(text: string, name: string): KeyObject {
  return parseKey(text, name, (key) => createPublicKey(key), (der) => [
    () => createPublicKey({ key: der, format: 'der', type: 'spki' }),
    () => createPublicKey({ key: der, format: 'der', type: 'pkcs1' }),
  ]);
}

function parseKey(text: string, name: string, fromPem: (pem: string) => KeyObject, fromDer: (der: Buffer) => Array<() => KeyObject>): KeyObject {
  const normalized = text.replace(/\\n/g, '\n').trim();
  const attempts = normalized.includes('-----BEGIN') ? [() => fromPem(normalized)] : fromDer(Buffer.from(normalized.replace(/\s+/g, ''), 'base64'));
  for (const attempt of attempts) {
    try {
      const key = attempt();
      if (key.asymmetricKeyType === 'rsa') return key;
    } catch {
      continue; // the next encoding may fit
    }
  }
  throw new Error(`${name}: not an RSA key in PEM or base64 DER form`);
}

/** Sandbox keys this process is reading or generating, by file: `prepareAlipayKeys` and `loadAlipayKeys` share them. */
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
