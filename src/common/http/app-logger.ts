import { LoggerService } from '@nestjs/common';

type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LineLevel = Exclude<Level, 'silent'>;
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** SPEC §11: a field copied from a request into a log line holds at most this many characters. */
export const LOG_FIELD_MAX = 256;

/**
 * Text that came with a request, as a log line may carry it: at most LOG_FIELD_MAX characters, a cut one ending in
 * `…`. Every log call that copies request data goes through here, so no request can write a long line.
 */
export function cutForLog(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  return text.length <= LOG_FIELD_MAX ? text : `${text.slice(0, LOG_FIELD_MAX - 1)}…`;
}

/** Nest's line per controller and per route at start (60 of them): debug, so that a start shows what matters. */
const NEST_ROUTE_CONTEXTS = new Set(['RoutesResolver', 'RouterExplorer']);

/** Structured logs: one JSON object per line on stdout, so request ids can be grepped and shipped. */
export class AppLogger implements LoggerService {
  private readonly tallies = new Map<string, Map<string, number>>();

  constructor(private readonly level: Level = 'info') {}

  /**
   * For events that come in floods (requests shed under overload): counts them by `reason` and writes one
   * `warn` line per second and message, `{msg, count, reasons: {reason: n}}`, instead of a line each.
   */
  tally(message: string, reason: string): void {
    let reasons = this.tallies.get(message);
    if (!reasons) {
      reasons = new Map();
      this.tallies.set(message, reasons);
      setTimeout(() => this.flushTally(message), 1000).unref();
    }
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }

  /** The access line, one per request; `level` is raised by what was noted on it (request-context.ts). */
  request(fields: Record<string, unknown>, level: LineLevel = 'info'): void {
    this.write(level, 'request', fields);
  }

  log(message: unknown, context?: string | Record<string, unknown>): void {
    const level = typeof context === 'string' && NEST_ROUTE_CONTEXTS.has(context) ? 'debug' : 'info';
    this.write(level, message, typeof context === 'object' ? context : { context });
  }

  error(message: unknown, traceOrFields?: unknown, context?: string): void {
    const fields = typeof traceOrFields === 'object' && traceOrFields ? (traceOrFields as Record<string, unknown>) : { trace: traceOrFields, context };
    this.write('error', message, fields);
  }

  warn(message: unknown, context?: string | Record<string, unknown>): void {
    this.write('warn', message, typeof context === 'object' ? context : { context });
  }

  debug(message: unknown, context?: string): void {
    this.write('debug', message, { context });
  }

  verbose(message: unknown, context?: string): void {
    this.write('debug', message, { context });
  }

  private flushTally(message: string): void {
    const reasons = this.tallies.get(message);
    this.tallies.delete(message);
    if (!reasons) return;
    const count = [...reasons.values()].reduce((a, b) => a + b, 0);
    this.write('warn', message, { count, reasons: Object.fromEntries(reasons) });
  }

  private write(level: LineLevel, message: unknown, fields: Record<string, unknown>): void {
    if (RANK[level] < RANK[this.level]) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg: message instanceof Error ? message.message : message };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) entry[k] = v;
    process.stdout.write(`${JSON.stringify(entry)}\n`);
  }
}
