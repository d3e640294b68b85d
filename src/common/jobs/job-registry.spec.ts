import type { AppConfig } from '../../config/app-config';
import type { AppLogger } from '../http/app-logger';
import { JobRegistry } from './job-registry';

const logger = { error: jest.fn() } as unknown as AppLogger;
const registryWith = (jobsEnabled: boolean) => new JobRegistry({ JOBS_ENABLED: jobsEnabled } as AppConfig, logger);

describe('JobRegistry', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('starts each registered job once, on its own interval, and stops them all on shutdown, waiting for a run in progress', async () => {
    const registry = registryWith(true);
    const runs = { fast: 0, slow: 0 };
    let finishSlow: () => void = () => undefined;
    registry.register({ name: 'fast', intervalMs: 1_000, task: async () => void (runs.fast += 1) });
    registry.register({
      name: 'slow',
      intervalMs: 3_000,
      task: () => {
        runs.slow += 1;
        return new Promise<void>((resolve) => (finishSlow = resolve));
      },
    });
    registry.onApplicationBootstrap();
    registry.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(6_500);
    // started once each: a second bootstrap starts nothing more; the slow run never overlaps itself
    expect(runs).toEqual({ fast: 6, slow: 1 });

    let stopped = false;
    const stopping = registry.beforeApplicationShutdown().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finishSlow();
    await stopping;
    expect(stopped).toBe(true);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(runs).toEqual({ fast: 6, slow: 1 });
  });

  it('tells a run in progress that the service is stopping, so that a task of many steps ends after the current one', async () => {
    const registry = registryWith(true);
    let signal: AbortSignal | undefined;
    let finish: () => void = () => undefined;
    registry.register({
      name: 'steps',
      intervalMs: 1_000,
      task: (stopping) => {
        signal = stopping;
        return new Promise<void>((resolve) => (finish = resolve));
      },
    });
    registry.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(signal?.aborted).toBe(false);
    const stopping = registry.beforeApplicationShutdown();
    expect(signal?.aborted).toBe(true);
    finish();
    await stopping;
  });

  it('with JOBS_ENABLED off runs only the instance upkeep jobs; a failing run is logged and the next one runs', async () => {
    const registry = registryWith(false);
    const runs = { business: 0, upkeep: 0 };
    registry.register({ name: 'business', intervalMs: 1_000, task: async () => void (runs.business += 1) });
    registry.register({
      name: 'upkeep',
      intervalMs: 1_000,
      evenWhenJobsDisabled: true,
      task: async () => {
        runs.upkeep += 1;
        if (runs.upkeep === 1) throw new Error('database away');
      },
    });
    registry.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(2_000);
    expect(runs).toEqual({ business: 0, upkeep: 2 });
    expect(logger.error).toHaveBeenCalledWith('job upkeep failed: database away', expect.objectContaining({ job: 'upkeep' }));
    await registry.beforeApplicationShutdown();
  });

  it('refuses a name registered twice, and a job registered after the start', () => {
    const registry = registryWith(true);
    registry.register({ name: 'a', intervalMs: 1_000, task: async () => undefined });
    expect(() => registry.register({ name: 'a', intervalMs: 1_000, task: async () => undefined })).toThrow('registered twice');
    registry.onApplicationBootstrap();
    expect(() => registry.register({ name: 'b', intervalMs: 1_000, task: async () => undefined })).toThrow('after the jobs started');
    return registry.beforeApplicationShutdown();
  });
});
