import { MigrationInterface, QueryRunner } from "typeorm";

export class IdempotencyOutcomeOnly1796181244374 implements MigrationInterface {
    name = 'IdempotencyOutcomeOnly1796181244374'

    public async up(queryRunner: QueryRunner): Promise<void> {
        // Claims of the old two-step scheme that never stored an answer keep refusing their key instead of letting it run again.
        await queryRunner.query(`UPDATE \`idempotency_records\` SET \`outcome\` = '{"ok":false,"code":40901,"msg":"请求已受理，请勿重复提交，请查询处理结果","errors":{},"httpStatus":409}' WHERE \`outcome\` IS NULL`);
        await queryRunner.query(`ALTER TABLE \`idempotency_records\` DROP COLUMN \`state\``);
        await queryRunner.query(`ALTER TABLE \`idempotency_records\` CHANGE \`outcome\` \`outcome\` text NOT NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`idempotency_records\` CHANGE \`outcome\` \`outcome\` text NULL`);
        await queryRunner.query(`ALTER TABLE \`idempotency_records\` ADD \`state\` varchar(16) NOT NULL`);
    }

}
