import 'reflect-metadata';
import type { RowDataPacket } from 'mysql2/promise';
import { DataSource, EntityManager } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { Wallet } from '../../src/database/entities/payments/wallet.entity';
import { TransactionService } from '../../src/database/transaction.service';
import { connectMysql, ScratchDatabase, scratchDatabase } from '../support/service-process';
import { faultServer } from './fault-support';

/**
 * A deadlock and a lock-wait timeout, provoked for real on MySQL/MariaDB, are retried as whole transactions by
 * TransactionService: both sides of the conflict complete and each change is applied exactly once.
 */

/** Resolves once `parties` callers have arrived, so two transactions can be made to hold their first lock together. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    arrived += 1;
    if (arrived >= parties) open();
    return opened;
  };
}

async function addToBalance(em: EntityManager, ownerId: string, amount: number): Promise<void> {
  await em
    .createQueryBuilder()
    .update(Wallet)
    .set({ balance: () => `balance + ${amount}` })
    .where('owner_type = :type AND owner_id = :ownerId', { type: 'partner_user', ownerId })
    .execute();
}

describe('fault: deadlocks and lock-wait timeouts are retried whole [mysql]', () => {
  const server = faultServer();
  let database: ScratchDatabase;
  let dataSource: DataSource;
  let tx: TransactionService;

  const balanceOf = async (ownerId: string) => (await dataSource.manager.findOneByOrFail(Wallet, { ownerType: 'partner_user', ownerId })).balance;
  const innodbStatus = async (name: string) => {
    const conn = await connectMysql(server);
    const [rows] = await conn.query<RowDataPacket[]>(`SHOW GLOBAL STATUS LIKE ?`, [name]);
    await conn.end();
    return Number(rows[0]?.Value ?? 0);
  };

  beforeAll(async () => {
    database = await scratchDatabase(server, 'ops_fault_retry');
    dataSource = new DataSource(buildDataSourceOptions(loadConfig({ DB_TYPE: 'mysql', DATABASE_URL: database.url })));
    await dataSource.initialize();
    tx = new TransactionService(dataSource);
    const now = new Date();
    await dataSource.manager.insert(Wallet, ['a', 'b', 'c'].map((ownerId) => ({ ownerType: 'partner_user' as const, ownerId, balance: 0, updatedAt: now })));
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('a deadlock: two transactions lock two rows in opposite order; one is chosen as victim, retried, and both complete', async () => {
    const deadlocksBefore = await innodbStatus('Innodb_deadlocks');
    const bothHoldFirstLock = barrier(2);
    const attempts = { ab: 0, ba: 0 };
    const transfer = (name: 'ab' | 'ba', first: string, second: string) =>
      tx.run(async (em) => {
        attempts[name] += 1;
        await addToBalance(em, first, 1);
        // only the first attempts meet here; a retry finds the barrier open and goes straight on
        await bothHoldFirstLock();
        await addToBalance(em, second, 10);
      });

    await Promise.all([transfer('ab', 'a', 'b'), transfer('ba', 'b', 'a')]);

    // one side ran once, the deadlock victim ran twice: every change exactly once in the end
    expect([attempts.ab, attempts.ba].sort()).toEqual([1, 2]);
    expect(await balanceOf('a')).toBe(1 + 10);
    expect(await balanceOf('b')).toBe(10 + 1);
    expect(await innodbStatus('Innodb_deadlocks')).toBeGreaterThan(deadlocksBefore);
  });

  it('a lock-wait timeout: the waiter gives up, is retried after the holder commits, and completes', async () => {
    const holderHasLock = barrier(2);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let waiterAttempts = 0;
    let waiterFailures = 0;

    const holder = tx.run(async (em) => {
      await addToBalance(em, 'c', 100);
      await holderHasLock();
      await released;
    });
    const waiter = (async () => {
      await holderHasLock();
      return tx.run(async (em) => {
        waiterAttempts += 1;
        // a short wait so the test provokes ER_LOCK_WAIT_TIMEOUT in a second rather than the server's 50
        await em.query('SET SESSION innodb_lock_wait_timeout = 1');
        try {
          await addToBalance(em, 'c', 1);
        } catch (error) {
          waiterFailures += 1;
          // the holder lets go only after the first timeout, so the retry finds the row free
          release();
          throw error;
        } finally {
          await em.query('SET SESSION innodb_lock_wait_timeout = DEFAULT');
        }
      });
    })();

    await Promise.all([holder, waiter]);
    expect({ waiterAttempts, waiterFailures }).toEqual({ waiterAttempts: 2, waiterFailures: 1 });
    expect(await balanceOf('c')).toBe(101);
  });

  it('an error that is not a lock conflict is not retried', async () => {
    let attempts = 0;
    await expect(
      tx.run(async (em) => {
        attempts += 1;
        await em.query('SELECT no_such_column FROM wallets');
      }),
    ).rejects.toThrow(/no_such_column/);
    expect(attempts).toBe(1);
  });
});
