import { MigrationInterface, QueryRunner } from 'typeorm';
import { identifierCollation } from './identifier-collation';

/**
 * SPEC §1 on MySQL/MariaDB:
 * - Identifiers compare byte for byte: every identifier column gets a binary NO PAD collation, so `X-Ab` and
 *   `X-aB` are two values and `abc ` is not `abc`. The name differs by server: MariaDB (10.2+) has
 *   `utf8mb4_nopad_bin`, MySQL 8.0.17+ `utf8mb4_0900_bin`; a server with neither gets `utf8mb4_bin` (binary, but
 *   PAD SPACE: trailing spaces ignored). The choice follows the server, not the URL's dialect, so `mysql://` and
 *   `mariadb://` against one MariaDB server give the same schema.
 * - Money (fen), points and scores are 64-bit: sums up to 9,999,999,999 fen must fit.
 *
 * Columns keep their type, length, nullability and default (the entities' schema test compares those); only
 * the collation or the integer width changes. MODIFY keeps the data.
 */
const IDENTIFIERS: Array<[table: string, column: string, definition: string]> = [
  ['idempotency_records', 'key', 'varchar(191) NOT NULL'],
  ['mall_apps', 'app_id', 'varchar(32) NOT NULL'],
  ['mall_coupons', 'trade_sn', "varchar(32) NOT NULL DEFAULT ''"],
  ['mall_merchant_notifications', 'app_id', 'varchar(32) NOT NULL'],
  ['mall_orders', 'order_sn', 'varchar(32) NOT NULL'],
  ['mall_orders', 'pre_id', 'varchar(32) NOT NULL'],
  ['mall_trades', 'trade_sn', 'varchar(32) NOT NULL'],
  ['mall_trades', 'app_id', 'varchar(32) NOT NULL'],
  ['mall_trades', 'outside_sn', 'varchar(64) NOT NULL'],
  ['partner_gift_packs', 'id', 'varchar(32) NOT NULL'],
  ['partner_gift_packs', 'level_id', 'varchar(16) NULL'],
  ['partner_addresses', 'user_id', 'varchar(32) NOT NULL'],
  ['partner_coupons', 'id', 'varchar(32) NOT NULL'],
  ['partner_coupons', 'user_id', 'varchar(32) NOT NULL'],
  ['partner_coupons', 'order_no', "varchar(27) NOT NULL DEFAULT ''"],
  ['partner_levels', 'id', 'varchar(16) NOT NULL'],
  ['partner_orders', 'id', 'varchar(32) NOT NULL'],
  ['partner_orders', 'order_no', 'varchar(27) NOT NULL'],
  ['partner_orders', 'user_id', 'varchar(32) NOT NULL'],
  ['partner_orders', 'gift_pos_id', 'varchar(32) NOT NULL'],
  ['partner_orders', 'coupon_id', "varchar(32) NOT NULL DEFAULT ''"],
  ['partner_orders', 'grant_level_id', 'varchar(16) NULL'],
  ['partner_orders', 'user_level_id', "varchar(16) NOT NULL DEFAULT ''"],
  ['partner_orders', 'bill_no', "varchar(64) NOT NULL DEFAULT ''"],
  ['partner_orders', 'third_order_no', "varchar(64) NOT NULL DEFAULT ''"],
  ['partner_users', 'id', 'varchar(32) NOT NULL'],
  ['partner_users', 'level_id', 'varchar(16) NULL'],
  ['payments', 'out_trade_no', 'varchar(64) NOT NULL'],
  ['payments', 'biz_no', 'varchar(64) NOT NULL'],
  ['payments', 'trade_no', "varchar(64) NOT NULL DEFAULT ''"],
  ['wallets', 'owner_id', 'varchar(64) NOT NULL'],
  ['wallet_ledger', 'biz_no', 'varchar(64) NOT NULL'],
];

const DEFAULT_ZERO = "NOT NULL DEFAULT '0'";
const WIDE_INTEGERS: Array<[table: string, column: string, nullability: string]> = [
  ['mall_coupons', 'amount', DEFAULT_ZERO],
  ['mall_coupons', 'min_price', DEFAULT_ZERO],
  ['mall_goods', 'price', DEFAULT_ZERO],
  ['mall_goods_options', 'price', DEFAULT_ZERO],
  ['mall_members', 'points', DEFAULT_ZERO],
  ['mall_order_goods', 'price', DEFAULT_ZERO],
  ['mall_order_goods', 'goods_price', DEFAULT_ZERO],
  ...['goods_price', 'dispatch_price', 'discount_price', 'point_amount', 'points', 'balance_amount', 'service_fee_amount', 'price'].map(
    (c): [string, string, string] => ['mall_orders', c, DEFAULT_ZERO],
  ),
  ['mall_stores', 'dispatch_price', DEFAULT_ZERO],
  ...['goods_price', 'discount_price', 'dispatch_price', 'service_fee_amount', 'point_amount', 'points', 'balance_amount', 'total_price'].map(
    (c): [string, string, string] => ['mall_trades', c, DEFAULT_ZERO],
  ),
  ['partner_gift_packs', 'price', DEFAULT_ZERO],
  ['partner_coupons', 'amount', DEFAULT_ZERO],
  ['partner_coupons', 'min_price', DEFAULT_ZERO],
  ['partner_orders', 'order_price', DEFAULT_ZERO],
  ['partner_orders', 'deduct_price', DEFAULT_ZERO],
  ['partner_orders', 'pay_amount', DEFAULT_ZERO],
  ['partner_users', 'score', DEFAULT_ZERO],
  ['payments', 'amount', DEFAULT_ZERO],
  ['wallets', 'balance', DEFAULT_ZERO],
  ['wallet_ledger', 'delta', 'NOT NULL'],
  ['wallet_ledger', 'balance_after', 'NOT NULL'],
];

function byTable<T extends [string, ...string[]]>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) map.set(row[0], [...(map.get(row[0]) ?? []), row]);
  return map;
}

async function alter(queryRunner: QueryRunner, identifierCollationName: string, integerType: 'bigint' | 'int'): Promise<void> {
  const identifiers = byTable(IDENTIFIERS);
  const integers = byTable(WIDE_INTEGERS);
  for (const table of new Set([...identifiers.keys(), ...integers.keys()])) {
    const changes = [
      ...(identifiers.get(table) ?? []).map(([, column, definition]) => {
        const [type, ...rest] = definition.split(' ');
        return `MODIFY \`${column}\` ${type} CHARACTER SET utf8mb4 COLLATE ${identifierCollationName} ${rest.join(' ')}`;
      }),
      ...(integers.get(table) ?? []).map(([, column, nullability]) => `MODIFY \`${column}\` ${integerType} ${nullability}`),
    ];
    await queryRunner.query(`ALTER TABLE \`${table}\` ${changes.join(', ')}`);
  }
}

export class ExactIdentifiersBigMoney1796190000000 implements MigrationInterface {
  name = 'ExactIdentifiersBigMoney1796190000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await alter(queryRunner, await identifierCollation(queryRunner), 'bigint');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await alter(queryRunner, 'utf8mb4_unicode_ci', 'int');
  }
}
