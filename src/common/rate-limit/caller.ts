import type { HttpRequest } from '../http/http-request';

/** Who a request counts against, set by the guard that authenticated it (signature or admin token). */
const CALLER = Symbol('rate-limit caller');

export function setCaller(req: HttpRequest, caller: string): void {
  (req as unknown as Record<symbol, string>)[CALLER] = caller;
}

export function callerOf(req: HttpRequest): string | undefined {
  return (req as unknown as Record<symbol, string | undefined>)[CALLER];
}
