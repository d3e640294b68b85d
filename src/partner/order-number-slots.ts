import { Injectable, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { LessThan } from 'typeorm';
import { AppLogger } from '../common/http/app-logger';
import { JobRegistry } from '../common/jobs/job-registry';
import { affectedRows, isUniqueViolation } from '../database/db-errors';
import { OrderNumberSlot } from '../database/entities/partner/order-number-slot.entity';
import { TransactionService } from '../database/transaction.service';
import { ORDER_NUMBER_SLOTS, OrderNoClock } from './order-no';

const LEASE_MS = 60_000;
const RENEW_EVERY_MS = 20_000;
/** A released lease: expired at once, so the next instance to start takes the slot. */
const RELEASED = new Date(0);

/**
 * This instance's lease on one of the order-number slots, and the clock that uses it. Instances sharing a database
 * each lease a different slot at start and renew it while they run, so their order numbers fall on different
 * milliseconds instead of colliding (measured with three instances: docs/galera.md). Uniqueness never depends on
 * it: without a slot (all taken, the database away) the clock takes any millisecond and the unique index bumps.
 */
@Injectable()
export class OrderNumberSlots implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  readonly clock = new OrderNoClock();
  private readonly holder = randomBytes(8).toString('hex');
  private slot: number | null = null;

  constructor(
    private readonly tx: TransactionService,
    private readonly logger: AppLogger,
    private readonly jobs: JobRegistry,
  ) {}

  /** Renewing the lease is this instance's upkeep: it runs whether or not business jobs do. */
  onModuleInit(): void {
    this.jobs.register({ name: 'order-number-slot', intervalMs: RENEW_EVERY_MS, task: () => this.lease(), evenWhenJobsDisabled: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.lease().catch((error: Error) => this.logger.warn(`no order-number slot: ${error.message}`));
  }

  /** After the registry stopped the renewals (before shutdown), so that none takes the slot back. */
  async onApplicationShutdown(): Promise<void> {
    if (this.slot === null) return;
    const slot = this.slot;
    await this.tx.runStatement((em) => em.update(OrderNumberSlot, { slot, holder: this.holder }, { leaseUntil: RELEASED })).catch(() => undefined);
  }

  /** Renews the slot held, or takes a free or expired one; the clock follows. */
  async lease(): Promise<number | null> {
    const until = new Date(Date.now() + LEASE_MS);
    if (this.slot !== null && (await this.renew(this.slot, until))) return this.slot;
    this.slot = null;
    for (let slot = 0; slot < ORDER_NUMBER_SLOTS && this.slot === null; slot++) {
      if (await this.take(slot, until)) this.slot = slot;
    }
    this.clock.useSlot(this.slot);
    return this.slot;
  }

  private renew(slot: number, until: Date): Promise<boolean> {
    return this.tx.runStatement(async (em) => affectedRows(await em.update(OrderNumberSlot, { slot, holder: this.holder }, { leaseUntil: until })) === 1);
  }

  /** A slot nobody holds yet is inserted; one whose lease ran out is taken over by a conditional update. */
  private take(slot: number, until: Date): Promise<boolean> {
    return this.tx.runStatement(async (em) => {
      try {
        await em.insert(OrderNumberSlot, { slot, holder: this.holder, leaseUntil: until });
        return true;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const taken = await em.update(OrderNumberSlot, { slot, leaseUntil: LessThan(new Date()) }, { holder: this.holder, leaseUntil: until });
      return affectedRows(taken) === 1;
    });
  }
}
