import { MigrationInterface, QueryRunner } from 'typeorm';
import { identifierCollation } from './identifier-collation';

/**
 * Every merchant notification carries a `notify_id`, the same on every attempt, by which merchants de-duplicate
 * (SPEC §6). New rows get a random one when the event is written; rows written before get their id as 32 lowercase
 * hex digits, the same form, so a notification still pending sends one stable value from its next attempt on. On SQLite
 * the same step runs once from `sqlite-upgrades.ts`.
 */
export class MerchantNotifyId1796190700000 implements MigrationInterface {
  name = 'MerchantNotifyId1796190700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const id = `CHARACTER SET utf8mb4 COLLATE ${await identifierCollation(queryRunner)}`;
    await queryRunner.query(`ALTER TABLE \`mall_merchant_notifications\` ADD \`notify_id\` varchar(32) ${id} NOT NULL DEFAULT ''`);
    await queryRunner.query("UPDATE `mall_merchant_notifications` SET `notify_id` = LPAD(LOWER(HEX(`id`)), 32, '0') WHERE `notify_id` = ''");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `mall_merchant_notifications` DROP COLUMN `notify_id`');
  }
}
