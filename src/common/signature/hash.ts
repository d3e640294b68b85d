import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const md5Hex = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
export const hmacSha256Hex = (key: string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('hex');

/** Constant-time, case-insensitive comparison of hex signatures. */
export function hexEquals(expected: string, received: unknown): boolean {
  if (typeof received !== 'string') return false;
  const a = Buffer.from(expected.toLowerCase(), 'utf8');
  const b = Buffer.from(received.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
