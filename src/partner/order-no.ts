import { compactTime } from '../common/time';

/**
 * Order numbers: `yyyyMMddHHmmss` (APP_TIMEZONE) + 13-digit epoch ms = 27 digits. Uniqueness is the
 * unique index's job (callers bump and retry on a duplicate); the in-process clock that never repeats a
 * millisecond only keeps one instance from colliding with itself in a burst.
 */
export class OrderNoClock {
  private lastMs = 0;

  /** A millisecond after every one handed out before, and not before `now`. */
  next(now = Date.now()): number {
    this.lastMs = Math.max(now, this.lastMs + 1);
    return this.lastMs;
  }

  /**
   * Skips past `ms` after another instance took it, `jitter` ms further: instances that collided on one number
   * and bumped by the same rule would otherwise collide again on the next one, in lockstep.
   */
  bumpPast(ms: number, jitter = 0): number {
    return this.next(ms + 1 + jitter);
  }
}

export function formatOrderNo(ms: number, timeZone: string): string {
  return `${compactTime(new Date(ms), timeZone)}${String(ms).padStart(13, '0')}`;
}
