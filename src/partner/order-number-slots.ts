import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppLogger } from '../common/http/app-logger';
import { startPeriodicJob } from '../common/jobs/periodic-job';
import { isUniqueViolation } from '../database/db-errors';
import { OrderNumberSlot } from '../database/entities/partner/order-number-slot.entity';
import { execute, insertRows } from '../database/sql';
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
export class OrderNumberSlots implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly clock = new OrderNoClock();
  private readonly holder = randomBytes(8).toString('hex');
  private slot: number | null = null;
  private stop: (() => Promise<void>) | null = null;

  constructor(
    private readonly tx: TransactionService,
    private readonly logger: AppLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.lease().catch((error: Error) => this.logger.warn(`no order-number slot: ${error.message}`));
    this.stop = startPeriodicJob('order-number-slot', RENEW_EVERY_MS, () => this.lease(), this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop?.();
    if (this.slot === null) return;
    const slot = this.slot;
    await this.tx.runStatement((em) => execute(em, 'UPDATE partner_order_number_slots SET lease_until = ? WHERE slot = ? AND holder = ?', [RELEASED, slot, this.holder])).catch(() => undefined);
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
    return this.tx.runStatement(async (em) => (await execute(em, 'UPDATE partner_order_number_slots SET lease_until = ? WHERE slot = ? AND holder = ?', [until, slot, this.holder])) === 1);
  }

  /** A slot nobody holds yet is inserted; one whose lease ran out is taken over by a conditional update. */
  private take(slot: number, until: Date): Promise<boolean> {
    return this.tx.runStatement(async (em) => {
      try {
        await insertRows(em, OrderNumberSlot, { slot, holder: this.holder, leaseUntil: until });
        return true;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const taken = await execute(em, 'UPDATE partner_order_number_slots SET holder = ?, lease_until = ? WHERE slot = ? AND lease_until < ?', [this.holder, until, slot, new Date()]);
      return taken === 1;
    });
  }
}
