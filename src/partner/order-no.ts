import { compactTime } from '../common/time';

/** How many millisecond slots instances can lease (`ms % ORDER_NUMBER_SLOTS`): up to this many instances never collide. */
export const ORDER_NUMBER_SLOTS = 4;
/** How far ahead of the real time the clock may run to stay in its slot; past that, under a burst, it takes any millisecond. */
const MAX_AHEAD_MS = 100;

/**
 * Order numbers: `yyyyMMddHHmmss` (APP_TIMEZONE) + 13-digit epoch ms = 27 digits. Uniqueness is the unique index's
 * job (callers bump and retry on a duplicate). The in-process clock never repeats a millisecond, so one instance
 * never collides with itself; and an instance that holds a slot hands out only milliseconds `ms % 4 = slot`, so
 * instances with different slots do not collide with each other either, as long as each stays under 250 orders a
 * second (beyond that it keeps to real time and takes any millisecond, and a collision costs one more INSERT).
 */
export class OrderNoClock {
  private lastMs = 0;
  private slot: number | null = null;

  /** The slot this instance holds (`OrderNumberSlots`), or null for none. */
  useSlot(slot: number | null): void {
    this.slot = slot;
  }

  /** A millisecond after every one handed out before, not before `now`, and in this instance's slot when it can be. */
  next(now = Date.now()): number {
    const earliest = Math.max(now, this.lastMs + 1);
    const inSlot = this.slot === null ? earliest : earliest + ((this.slot - (earliest % ORDER_NUMBER_SLOTS) + ORDER_NUMBER_SLOTS) % ORDER_NUMBER_SLOTS);
    this.lastMs = inSlot - now <= MAX_AHEAD_MS ? inSlot : earliest;
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
