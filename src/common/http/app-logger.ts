import { LoggerService } from '@nestjs/common';

type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Structured logs: one JSON object per line on stdout, so request ids can be grepped and shipped. */
export class AppLogger implements LoggerService {
  constructor(private readonly level: Level = 'info') {}

  request(fields: Record<string, unknown>): void {
    this.write('info', 'request', fields);
  }

  log(message: unknown, context?: string | Record<string, unknown>): void {
    this.write('info', message, typeof context === 'object' ? context : { context });
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

  private write(level: Exclude<Level, 'silent'>, message: unknown, fields: Record<string, unknown>): void {
    if (RANK[level] < RANK[this.level]) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg: message instanceof Error ? message.message : message };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) entry[k] = v;
    process.stdout.write(`${JSON.stringify(entry)}\n`);
  }
}
