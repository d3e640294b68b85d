import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * How far V8 lets the old generation grow past what the last full collection kept: 20 % more, not the up to 4× it
 * allows itself on a machine with gigabytes to spare.
 *
 * A payment allocates about half a megabyte, and under load much of it lives through two scavenges (the request is
 * still waiting for MariaDB) and is promoted: at 350 payments a second the old generation fills with such garbage at
 * 15 MB/s. Under V8's own limit the resident memory climbed past 260 MiB in a 10 s load and 340 MiB in longer ones
 * before the first full collection; with 20 % it stays near 160 MiB, for a full collection (marked mostly on a
 * helper thread) about every second under load. Figures: docs/performance-history.md, "Cold start and memory".
 */
export const HEAP_GROWTH_FLAG = '--heap-growing-percent=20';

/** How long after the start the one full collection waits: out of the way of the first requests. */
const SETTLE_MS = 1000;

/**
 * V8 reads the factor when a full collection ends, so it can be set in the running process (and then holds however
 * the process was started: `npm start`, the Docker image, the bench). Call it once the service is up: during the
 * start the heap grows from 10 to 50 MB of live objects, which this factor would collect over and over. Until the
 * next full collection the limit V8 set during the start with its own factor (room for a 250 MiB peak) stays in
 * force, so one full collection follows a second later (20-80 ms of the main thread; it also returns the start's
 * garbage). A `--heap-growing-percent` given to node itself wins.
 */
export function limitHeapGrowth(execArgv = process.execArgv): void {
  if (execArgv.some((arg) => arg.startsWith('--heap-growing-percent'))) return;
  setFlagsFromString(HEAP_GROWTH_FLAG);
  // `gc` exists only in contexts made after --expose-gc is set.
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  setTimeout(collect, SETTLE_MS).unref();
}
