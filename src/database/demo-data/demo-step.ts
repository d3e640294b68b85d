import type { EntityManager } from 'typeorm';

/** One batch of demo rows; `now` is the same instant for the whole load. */
export interface DemoStep {
  name: string;
  load(em: EntityManager, now: Date): Promise<void>;
}
