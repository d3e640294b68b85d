import { MigrationInterface, QueryRunner } from "typeorm";

export class Refunds1796181400000 implements MigrationInterface {
    name = 'Refunds1796181400000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`refunds\` (\`id\` int NOT NULL AUTO_INCREMENT, \`refund_no\` varchar(32) NOT NULL, \`out_trade_no\` varchar(64) NOT NULL, \`biz_type\` varchar(16) NOT NULL, \`biz_no\` varchar(64) NOT NULL, \`channel\` varchar(16) NOT NULL, \`amount\` int NOT NULL DEFAULT '0', \`reason\` varchar(255) NOT NULL DEFAULT '', \`status\` varchar(16) NOT NULL DEFAULT 'pending', \`fail_reason\` varchar(255) NOT NULL DEFAULT '', \`idempotency_key\` varchar(191) NULL, \`request_hash\` varchar(64) NOT NULL DEFAULT '', \`created_at\` datetime(3) NOT NULL, \`finished_at\` datetime(3) NULL, INDEX \`ix_refund_status_created\` (\`status\`, \`created_at\`), INDEX \`ix_refund_biz\` (\`biz_type\`, \`biz_no\`), INDEX \`ix_refund_out_trade_no\` (\`out_trade_no\`), UNIQUE INDEX \`uq_refund_idempotency_key\` (\`idempotency_key\`), UNIQUE INDEX \`uq_refund_no\` (\`refund_no\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`ALTER TABLE \`mall_orders\` ADD \`refund_price\` int NOT NULL DEFAULT '0'`);
        await queryRunner.query(`ALTER TABLE \`mall_orders\` ADD \`status_before_refund\` smallint NULL`);
        await queryRunner.query(`ALTER TABLE \`payments\` ADD \`refunded_amount\` int NOT NULL DEFAULT '0'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`payments\` DROP COLUMN \`refunded_amount\``);
        await queryRunner.query(`ALTER TABLE \`mall_orders\` DROP COLUMN \`status_before_refund\``);
        await queryRunner.query(`ALTER TABLE \`mall_orders\` DROP COLUMN \`refund_price\``);
        await queryRunner.query(`DROP INDEX \`uq_refund_no\` ON \`refunds\``);
        await queryRunner.query(`DROP INDEX \`uq_refund_idempotency_key\` ON \`refunds\``);
        await queryRunner.query(`DROP INDEX \`ix_refund_out_trade_no\` ON \`refunds\``);
        await queryRunner.query(`DROP INDEX \`ix_refund_biz\` ON \`refunds\``);
        await queryRunner.query(`DROP INDEX \`ix_refund_status_created\` ON \`refunds\``);
        await queryRunner.query(`DROP TABLE \`refunds\``);
    }

}
