import type { QueryRunner } from 'typeorm';

/**
 * The server's binary NO PAD collation of utf8mb4, that of every identifier column (SPEC §1: identifiers compare byte
 * for byte): MariaDB's `utf8mb4_nopad_bin`, MySQL 8.0.17+'s `utf8mb4_0900_bin`; a server with neither gets
 * `utf8mb4_bin` (binary, but PAD SPACE). Shared by the migrations that add identifier columns; not a migration.
 */
export async function identifierCollation(queryRunner: QueryRunner): Promise<string> {
  const rows: Array<{ name: string }> = await queryRunner.query(
    "SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')",
  );
  const names = rows.map((r) => r.name);
  return names.includes('utf8mb4_nopad_bin') ? 'utf8mb4_nopad_bin' : names.includes('utf8mb4_0900_bin') ? 'utf8mb4_0900_bin' : 'utf8mb4_bin';
}
