/** Route metadata and request facts shared by the signature guard, the idempotency interceptor and handlers. */
export type SignatureScheme = 'partner' | 'mall';

export const SIGNED = 'signature:scheme';
export const DEDUPE_IDENTICAL = 'signature:dedupe-identical';

/** What the guard learned about a verified request. */
export interface SignedRequest {
  scheme: SignatureScheme;
  /** The canonical parameter string (without key or secret): equal strings mean equal requests. */
  canonical: string;
  /** The mall app the request came from; `""` for the partner scheme. */
  appId: string;
  nonce: string;
}

export function signedRequestOf(req: unknown): SignedRequest | undefined {
  return (req as { signed?: SignedRequest }).signed;
}
