/** Wire times: `YYYY-MM-DD HH:mm:ss` in APP_TIMEZONE; `*_time_stamp` fields are epoch ms (SPEC §1). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export interface ZonedParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

/**
 * The last second formatted, per zone. `formatToParts` is slow (it allocates an object per field) and every
 * order formats its time several times (order number, wire times), mostly within the same second as the others.
 */
const lastSecond = new Map<string, { second: number; parts: ZonedParts }>();

export function zonedParts(date: Date, timeZone: string): ZonedParts {
  const second = Math.floor(date.getTime() / 1000);
  const cached = lastSecond.get(timeZone);
  if (cached?.second === second) return { ...cached.parts };
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(date)) parts[p.type] = p.value;
  const zoned = { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
  lastSecond.set(timeZone, { second, parts: zoned });
  return { ...zoned };
}

/** `2022-01-07 17:57:55`, or `""` when unset. */
export function formatWireTime(date: Date | null | undefined, timeZone: string): string {
  if (!date) return '';
  const p = zonedParts(date, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** Epoch milliseconds, or `0` when unset. */
export function wireTimestamp(date: Date | null | undefined): number {
  return date ? date.getTime() : 0;
}

/** `yyyyMMddHHmmss` in the zone. */
export function compactTime(date: Date, timeZone: string): string {
  const p = zonedParts(date, timeZone);
  return `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}`;
}

const WIRE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/**
 * Reads a wire time (`YYYY-MM-DD HH:mm:ss` in `timeZone`, SPEC §1) into an instant; null when it is not
 * one (bad shape or a date such as 02-30). The zone's offset is found by formatting a first guess and
 * correcting by the difference, twice, which settles across DST changes.
 */
export function parseWireTime(text: string, timeZone: string): Date | null {
  const match = WIRE_TIME.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const wanted = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wanted);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const p = zonedParts(new Date(guess), timeZone);
    guess += wanted - Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  }
  return new Date(guess);
}
