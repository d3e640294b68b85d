import { MigrationInterface, QueryRunner } from 'typeorm';
import { identifierCollation } from './identifier-collation';

/**
 * Mall members belong to apps (SPEC §3): the `mall_member_apps` table, its `app_id` in the server's binary NO PAD
 * collation like every identifier (SPEC §1), and the upgrade's promise that existing integrations keep working: each
 * member is bound to every app that already has a trade for it. On SQLite (no migrations) the same step runs
 * once from `sqlite-upgrades.ts`.
 */
export class MemberApps1796190300000 implements MigrationInterface {
  name = 'MemberApps1796190300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const id = `CHARACTER SET utf8mb4 COLLATE ${await identifierCollation(queryRunner)}`;
    await queryRunner.query(
      `CREATE TABLE \`mall_member_apps\` (\`app_id\` varchar(32) ${id} NOT NULL, \`uid\` int NOT NULL, ` +
        `INDEX \`ix_mall_member_app_uid\` (\`uid\`), PRIMARY KEY (\`app_id\`, \`uid\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query('INSERT INTO `mall_member_apps` (`app_id`, `uid`) SELECT DISTINCT `app_id`, `uid` FROM `mall_trades`');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE `mall_member_apps`');
  }
}
