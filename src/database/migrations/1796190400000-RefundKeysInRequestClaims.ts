import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Admin refunds' `Idempotency-Key` is now a request claim (`idempotency_records`, scoped to the admin token and the
 * route) like every other retry key, so the refund rows no longer carry one. Keys recorded on refunds before the
 * upgrade are not carried over: a key is a client's retry of the last day, and the admin token's hash that now
 * scopes it is not known here.
 */
export class RefundKeysInRequestClaims1796190400000 implements MigrationInterface {
  name = 'RefundKeysInRequestClaims1796190400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `refunds` DROP INDEX `uq_refund_idempotency_key`, DROP COLUMN `idempotency_key`, DROP COLUMN `request_hash`');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      "ALTER TABLE `refunds` ADD `idempotency_key` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL, ADD `request_hash` varchar(64) NOT NULL DEFAULT '', " +
        'ADD UNIQUE INDEX `uq_refund_idempotency_key` (`idempotency_key`)',
    );
  }
}
