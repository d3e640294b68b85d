import { MigrationInterface, QueryRunner } from 'typeorm';
import { identifierCollation } from './identifier-collation';

/**
 * Refunds (SPEC §10): the `refunds` table, what a payment's refunds took (`payments.refunded_amount`), what a mall
 * order's refunds took and the status a refund took it from. Generated from the entities, then, as the migration
 * before it does, every identifier column gets the server's binary NO PAD collation (SPEC §1: identifiers compare
 * byte for byte) and money is 64-bit.
 */
export class Refunds1796190100000 implements MigrationInterface {
  name = 'Refunds1796190100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const id = `CHARACTER SET utf8mb4 COLLATE ${await identifierCollation(queryRunner)}`;
    await queryRunner.query(
      `CREATE TABLE \`refunds\` (\`id\` int NOT NULL AUTO_INCREMENT, \`refund_no\` varchar(32) ${id} NOT NULL, \`out_trade_no\` varchar(64) ${id} NOT NULL, ` +
        `\`biz_type\` varchar(16) NOT NULL, \`biz_no\` varchar(64) ${id} NOT NULL, \`channel\` varchar(16) NOT NULL, \`amount\` bigint NOT NULL DEFAULT '0', ` +
        `\`reason\` varchar(255) NOT NULL DEFAULT '', \`status\` varchar(16) NOT NULL DEFAULT 'pending', \`fail_reason\` varchar(255) NOT NULL DEFAULT '', ` +
        `\`idempotency_key\` varchar(191) ${id} NULL, \`request_hash\` varchar(64) NOT NULL DEFAULT '', \`created_at\` datetime(3) NOT NULL, \`finished_at\` datetime(3) NULL, ` +
        `INDEX \`ix_refund_status_created\` (\`status\`, \`created_at\`), INDEX \`ix_refund_biz\` (\`biz_type\`, \`biz_no\`), INDEX \`ix_refund_out_trade_no\` (\`out_trade_no\`), ` +
        `UNIQUE INDEX \`uq_refund_idempotency_key\` (\`idempotency_key\`), UNIQUE INDEX \`uq_refund_no\` (\`refund_no\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(`ALTER TABLE \`mall_orders\` ADD \`refund_price\` bigint NOT NULL DEFAULT '0', ADD \`status_before_refund\` smallint NULL`);
    await queryRunner.query(`ALTER TABLE \`payments\` ADD \`refunded_amount\` bigint NOT NULL DEFAULT '0'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`payments\` DROP COLUMN \`refunded_amount\``);
    await queryRunner.query(`ALTER TABLE \`mall_orders\` DROP COLUMN \`status_before_refund\`, DROP COLUMN \`refund_price\``);
    await queryRunner.query(`DROP TABLE \`refunds\``);
  }
}
