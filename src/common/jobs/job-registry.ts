import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AppLogger } from '../http/app-logger';

/** A task run every `intervalMs` on every instance. It must be safe with several instances running it at once. */
export interface JobDefinition {
  name: string;
  intervalMs: number;
  /** `stopping` is aborted when the service shuts down: a task that works in many steps ends after the current one. */
  task: (stopping: AbortSignal) => Promise<unknown>;
  /**
   * Upkeep of this instance rather than business work (the order-number slot lease): it runs whatever JOBS_ENABLED
   * says, since the instance serves requests either way.
   */
  evenWhenJobsDisabled?: boolean;
}

/**
 * The one scheduler of background work. Modules register their jobs while they initialise (`onModuleInit`); the
 * registry starts them once the application has booted, each on its own timer and never overlapping itself, when
 * JOBS_ENABLED (tests leave it off and drive the tasks by hand), and stops them before shutdown, waiting for a run
 * in progress (told to end early through its `stopping` signal), so that no task outlives the connections it uses.
 */
@Injectable()
export class JobRegistry implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly jobs = new Map<string, JobDefinition>();
  private stops: Array<() => Promise<void>> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly logger: AppLogger,
  ) {}

  register(job: JobDefinition): void {
    if (this.stops) throw new Error(`job ${job.name} registered after the jobs started`);
    if (this.jobs.has(job.name)) throw new Error(`job ${job.name} registered twice`);
    this.jobs.set(job.name, job);
  }

  onApplicationBootstrap(): void {
    if (this.stops) return;
    const due = [...this.jobs.values()].filter((job) => this.config.JOBS_ENABLED || job.evenWhenJobsDisabled);
    this.stops = due.map((job) => this.start(job));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all((this.stops ?? []).map((stop) => stop()));
  }

  private start({ name, intervalMs, task }: JobDefinition): () => Promise<void> {
    let running: Promise<unknown> | null = null;
    const stopping = new AbortController();
    const timer = setInterval(() => {
      if (running || stopping.signal.aborted) return;
      running = task(stopping.signal)
        .catch((error: Error) => this.logger.error(`job ${name} failed: ${error.message}`, { job: name, stack: error.stack }))
        .finally(() => {
          running = null;
        });
    }, intervalMs);
    timer.unref();
    return async () => {
      stopping.abort();
      clearInterval(timer);
      await running;
    };
  }
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
