import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { TransactionService } from '../../database/transaction.service';

/**
 * Gives notifications written before `notify_id` existed their id as 32 lowercase hex digits (SPEC §6), on SQLite,
 * where `synchronize` adds the column with its default '' and no migration runs (MySQL: MerchantNotifyId1796190700000,
 * the same value). Only rows still without one match, so running it at every start changes nothing twice.
 */
@Injectable()
export class NotifyIdBackfill implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.DB_TYPE !== 'sqlite') return;
    await this.tx.runStatement((em) => em.query("UPDATE mall_merchant_notifications SET notify_id = printf('%032x', id) WHERE notify_id = ''"));
  }
}
