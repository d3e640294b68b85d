import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { AppConfig } from '../../config/app-config';

/**
 * The Alipay channel's identity: our app key signs requests, Alipay's public key checks notifies and answers, and
 * the gateway is where both go. Live keys come from the configuration (`liveAlipayKeys`); in sandbox mode the
 * development tools provide keys of their own and their local gateway.
 */
export class AlipayKeys {
  constructor(
    readonly appId: string,
    /** `''` when none is configured: notifies are then not checked against a seller. */
    readonly sellerId: string,
    readonly appPrivateKey: KeyObject,
    readonly alipayPublicKey: KeyObject,
    /** Alipay's OpenAPI gateway (`ALIPAY_GATEWAY`), or the sandbox's. */
    readonly gateway: string,
  ) {}
}

/** The live channel, from `ALIPAY_APP_ID`, `ALIPAY_PRIVATE_KEY`, `ALIPAY_PUBLIC_KEY`, `ALIPAY_SELLER_ID` and `ALIPAY_GATEWAY`. */
export function liveAlipayKeys(config: AppConfig): AlipayKeys {
  return new AlipayKeys(
    config.ALIPAY_APP_ID!,
    config.ALIPAY_SELLER_ID ?? '',
    parsePrivateKey(config.ALIPAY_PRIVATE_KEY!, 'ALIPAY_PRIVATE_KEY'),
    parsePublicKey(config.ALIPAY_PUBLIC_KEY!, 'ALIPAY_PUBLIC_KEY'),
    config.ALIPAY_GATEWAY,
  );
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
