/**
 * `npm run bench -- --perf`: on-CPU profiles of the service with Linux `perf` (Debian's linux-perf), one per measured
 * load, in bench/results/profiles/<load>.perf.txt (`perf script` output; `npm run bench:profile -- FILE` sums it up).
 *
 * Why beside `--cpu-prof`: V8's profiler samples by the clock, so on a machine whose cores other work shares, the time
 * the service waits to be scheduled again lands in whatever it was doing (mostly the socket writes that woke MariaDB).
 * `perf record -e cpu-clock` samples CPU time only, of every thread (GC helpers, the libuv pool) and of the kernel's
 * work on the service's behalf. The service runs with `--perf-basic-prof`, so its JavaScript frames carry their script.
 */
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PERF_NODE_ARGS = ['--perf-basic-prof'];
const FREQUENCY_HZ = 499;

export function perfAvailable(): boolean {
  try {
    execSync('perf record -e cpu-clock -o /dev/null -- true', { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface PerfRecording {
  /** Stops recording and throws the recording away. */
  abort(): Promise<void>;
  /** Stops recording and writes `<dir>/<slug>.perf.txt` with a first line describing the load; returns its path. */
  finish(load: { name: string; requests: number; serviceCpuMsPerRequest: number }): Promise<string>;
}

export function startPerf(pids: number[], dir: string, slug: string): PerfRecording {
  const data = join(dir, `${slug}.perf.data`);
  const child: ChildProcess = spawn('perf', ['record', '-e', 'cpu-clock', '-F', String(FREQUENCY_HZ), '-g', '-p', pids.join(','), '-o', data], { stdio: 'ignore' });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await exited;
  };
  return {
    abort: async () => {
      await stop();
      rmSync(data, { force: true });
    },
    finish: async (load) => {
      await stop();
      const text = join(dir, `${slug}.perf.txt`);
      writeFileSync(text, `# bench: ${JSON.stringify({ ...load, frequencyHz: FREQUENCY_HZ })}\n`);
      execSync(`perf script -i '${data}' -F comm,tid,ip,sym,dso >> '${text}'`, { stdio: ['ignore', 'ignore', 'ignore'], shell: '/bin/bash' });
      rmSync(data, { force: true });
      return text;
    },
  };
}

/** The JIT symbol maps the service wrote (/tmp/perf-<pid>.map): kept only as long as the run needs them. */
export function removePerfMaps(pids: number[]): void {
  for (const pid of pids) {
    const map = `/tmp/perf-${pid}.map`;
    if (existsSync(map)) rmSync(map, { force: true });
  }
}
