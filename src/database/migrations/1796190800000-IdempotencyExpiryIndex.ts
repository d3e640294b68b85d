import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Expired idempotency records and nonces are purged continuously in small batches (SPEC §11 Housekeeping); the purge
 * finds them by `expires_at`, which without an index meant reading the whole table (a day of nonces) every run.
 */
export class IdempotencyExpiryIndex1796190800000 implements MigrationInterface {
  name = 'IdempotencyExpiryIndex1796190800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX `ix_idempotency_expires` ON `idempotency_records` (`expires_at`)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX `ix_idempotency_expires` ON `idempotency_records`');
  }
}
