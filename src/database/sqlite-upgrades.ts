import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TransactionService } from './transaction.service';

/**
 * The data steps a schema change needs on the embedded SQLite database, where `synchronize` makes the schema and no
 * migration runs; each does what its MySQL migration does to the rows. Step N is recorded as SQLite's own
 * `user_version` = N in the same transaction as its statements, so each runs once per database, in order: never again
 * after a restart (an operator may since have undone its effect, e.g. unbound a member). Append only.
 */
const STEPS: ReadonlyArray<{ name: string; statements: string[] }> = [
  {
    // MemberApps1796190300000: each member is bound to every app that already holds a trade for it (SPEC §3).
    name: 'member apps',
    statements: ['INSERT OR IGNORE INTO mall_member_apps (app_id, uid) SELECT DISTINCT app_id, uid FROM mall_trades'],
  },
  {
    // MerchantNotifyId1796190700000: notifications written before notify_id existed get their id as 32 hex digits
    // (synchronize has added the column with its default '').
    name: 'merchant notify ids',
    statements: ["UPDATE mall_merchant_notifications SET notify_id = printf('%032x', id) WHERE notify_id = ''"],
  },
];

@Injectable()
export class SqliteUpgrades implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.DB_TYPE !== 'sqlite') return;
    await this.tx.run(async (em) => {
      const [{ user_version: done }] = (await em.query('PRAGMA user_version')) as Array<{ user_version: number }>;
      if (done >= STEPS.length) return;
      for (const step of STEPS.slice(done)) for (const statement of step.statements) await em.query(statement);
      await em.query(`PRAGMA user_version = ${STEPS.length}`);
    });
  }
}
