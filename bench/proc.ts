import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The pid of the local database server listening on `port` (to read its CPU per request), found with `ss`; failing
 * that, the one mariadbd/mysqld process if there is exactly one. Not simply the first of `pidof`: other work on the
 * machine may run more mariadbd processes (test clusters), which come and go.
 */
export function databaseServerPid(port: number): number | undefined {
  const run = (command: string) => {
    try {
      return execSync(command, { encoding: 'utf8', shell: '/bin/bash', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const listening = /pid=(\d+)/.exec(run(`ss -Htlnp 'sport = :${port}'`))?.[1];
  if (listening) return Number(listening);
  const all = run('pidof mariadbd mysqld').split(/\s+/).filter(Boolean);
  return all.length === 1 ? Number(all[0]) : undefined;
}

/** A process's resident memory (`VmRSS` of /proc/<pid>/status) in MiB, or null when it cannot be read (Linux only). */
export function rssMiB(pid: number | undefined): number | null {
  return statusMiB(pid, 'VmRSS');
}

/** The highest resident memory the process has had since it started (`VmHWM`), in MiB. */
export function peakRssMiB(pid: number | undefined): number | null {
  return statusMiB(pid, 'VmHWM');
}

function statusMiB(pid: number | undefined, field: string): number | null {
  if (!pid) return null;
  try {
    const kb = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Math.round((Number(kb) / 1024) * 10) / 10;
  } catch {
    return null;
  }
}

/**
 * Samples the resident memory of some processes (their sum) every `intervalMs` while started, and keeps the highest
 * sample of each stretch between `start()` and `stop()`.
 */
export class RssSampler {
  private timer?: NodeJS.Timeout;
  private peak = 0;

  constructor(
    private readonly pids: number[],
    private readonly intervalMs = 200,
  ) {}

  private sample(): void {
    const each = this.pids.map(rssMiB);
    if (each.includes(null)) return;
    this.peak = Math.max(this.peak, (each as number[]).reduce((a, b) => a + b, 0));
  }

  start(): void {
    this.peak = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  /** The highest sum seen since `start()`, in MiB (null if no process could be read). */
  stop(): number | null {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return this.peak || null;
  }
}
