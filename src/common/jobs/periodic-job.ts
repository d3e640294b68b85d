import { AppLogger } from '../http/app-logger';

/**
 * Runs `task` every `intervalMs` until stopped, never overlapping itself. The task must be safe with
 * several instances running it at once (conditional updates), since every instance runs its own.
 */
export function startPeriodicJob(name: string, intervalMs: number, task: () => Promise<unknown>, logger: AppLogger): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = task()
      .catch((error: Error) => logger.error(`job ${name} failed: ${error.message}`, { job: name, stack: error.stack }))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

/**
 * Works through what `fetchBatch` lists, one `handle` per item, batch after batch, until a batch comes back
 * short, or every item of it failed (it would be listed again unchanged: left for the next run instead of
 * spinning). `handle` says whether it did the work (false: someone else did it meanwhile); a throw is
 * logged and counted as failed. Returns how many items this call handled.
 */
export async function drainInBatches<T>(
  batchSize: number,
  fetchBatch: () => Promise<T[]>,
  handle: (item: T) => Promise<boolean>,
  onError: (item: T, error: Error) => void,
): Promise<number> {
  let handled = 0;
  for (;;) {
    const batch = await fetchBatch();
    let failed = 0;
    for (const item of batch) {
      try {
        if (await handle(item)) handled += 1;
      } catch (error) {
        failed += 1;
        onError(item, error as Error);
      }
    }
    if (batch.length < batchSize || failed === batch.length) return handled;
  }
}
