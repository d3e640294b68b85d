import { randomBytes } from 'node:crypto';

/** 32 lowercase hex characters, the id format of the partner API. */
export function hexId(): string {
  return randomBytes(16).toString('hex');
}

export function upperHex(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length).toUpperCase();
}
