import type { Request } from 'express';

/** Who a request counts against, set by the guard that authenticated it (signature or admin token). */
const CALLER = Symbol('rate-limit caller');

export function setCaller(req: Request, caller: string): void {
  (req as unknown as Record<symbol, string>)[CALLER] = caller;
}

export function callerOf(req: Request): string | undefined {
  return (req as unknown as Record<symbol, string | undefined>)[CALLER];
}
