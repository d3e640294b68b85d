import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TransactionService } from '../database/transaction.service';

/** SQLite's `user_version` from the first start that had member binding on. */
const MEMBERS_BOUND_TO_TRADING_APPS = 1;

/**
 * The upgrade that binds each member to every app already holding a trade for it (SPEC §3), on SQLite, where the
 * schema comes from `synchronize` and no migration runs (MySQL: migration MemberApps1796190300000). It must run once
 * only, or a restart would bind again a member an operator has since unbound: SQLite's own `user_version`, moved in
 * the same transaction as the inserts, records that it ran.
 */
@Injectable()
export class MemberAppsUpgrade implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.DB_TYPE !== 'sqlite') return;
    await this.tx.run(async (em) => {
      const [{ user_version: version }] = (await em.query('PRAGMA user_version')) as Array<{ user_version: number }>;
      if (version >= MEMBERS_BOUND_TO_TRADING_APPS) return;
      await em.query('INSERT OR IGNORE INTO mall_member_apps (app_id, uid) SELECT DISTINCT app_id, uid FROM mall_trades');
      await em.query(`PRAGMA user_version = ${MEMBERS_BOUND_TO_TRADING_APPS}`);
    });
  }
}
