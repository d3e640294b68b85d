import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DataSource, EntityMetadata, ObjectLiteral } from 'typeorm';
import * as ts from 'typescript';
import { buildDataSourceOptions } from '../../database/data-source-options';
import * as sql from '../../database/sql';
import { IllegalStateError } from '../errors/app-error';
import { MERCHANT_NOTIFICATION_LIFECYCLE } from '../../mall/notify/merchant-notification-status';
import { MALL_COUPON_LIFECYCLE } from '../../mall/trade/mall-coupon-status';
import { REFUNDABLE_MALL_STATUSES } from '../../mall/trade/mall-order-refunds';
import { MALL_ORDER_LIFECYCLE, MALL_TRADE_LIFECYCLE } from '../../mall/trade/mall-order-status';
import { PARTNER_COUPON_LIFECYCLE } from '../../partner/coupon-status';
import { PARTNER_ORDER_LIFECYCLE } from '../../partner/order-status';
import { PAYMENT_LIFECYCLE } from '../../payments/payment-status';
import { REFUND_LIFECYCLE } from '../../payments/refunds/refund-status';
import { Lifecycle } from './transition';

/** Every lifecycle of the service. A status column of the schema without one here fails the first test below. */
const LIFECYCLES: Lifecycle<ObjectLiteral, string | number>[] = [
  PARTNER_ORDER_LIFECYCLE,
  PARTNER_COUPON_LIFECYCLE,
  MALL_TRADE_LIFECYCLE,
  MALL_ORDER_LIFECYCLE,
  MALL_COUPON_LIFECYCLE,
  MERCHANT_NOTIFICATION_LIFECYCLE,
  PAYMENT_LIFECYCLE,
  REFUND_LIFECYCLE,
];

const isStatusColumn = (databaseName: string) => /(^|_)status$/.test(databaseName);

/** Each lifecycle's table as `from→to` moves, sorted: the contract the tests below spell out. */
const movesOf = (lifecycle: Lifecycle<ObjectLiteral, string | number>) => lifecycle.statuses.flatMap((from) => lifecycle.table[from].map((to) => `${from}→${to}`)).sort();

/** The schema the service runs on, built in memory from its entities. */
let dataSource: DataSource;
beforeAll(async () => {
  dataSource = new DataSource(buildDataSourceOptions({ DB_TYPE: 'sqlite', SQLITE_PATH: ':memory:', DATABASE_URL: undefined, DB_POOL_SIZE: 1 }));
  await dataSource.initialize();
});
afterAll(() => dataSource.destroy());

describe('the lifecycle tables', () => {
  it('every status column of the schema moves by a table of its own', () => {
    const lifecycleOf = (metadata: EntityMetadata, property: string) =>
      LIFECYCLES.find((l) => dataSource.getMetadata(l.entity) === metadata && l.statusField === property);
    const columns = dataSource.entityMetadatas.flatMap((metadata) =>
      metadata.columns.filter((c) => isStatusColumn(c.databaseName)).map((c) => `${metadata.tableName}.${c.databaseName}: ${lifecycleOf(metadata, c.propertyName)?.name ?? 'NO TABLE'}`),
    );
    expect(columns.sort()).toEqual([
      'mall_coupons.status: mall coupon',
      'mall_merchant_notifications.status: merchant notification',
      'mall_orders.status: mall order',
      'mall_trades.status: mall trade',
      'partner_coupons.status: partner coupon',
      'partner_orders.order_status: partner order',
      'payments.status: payment',
      'refunds.status: refund',
    ]);
    // and no table is left over for a column that no longer exists
    expect(LIFECYCLES.filter((l) => !isStatusColumn(dataSource.getMetadata(l.entity).findColumnWithPropertyName(l.statusField)?.databaseName ?? ''))).toEqual([]);
  });

  it('every table is closed: a status moved to is a status of the table', () => {
    for (const lifecycle of LIFECYCLES) {
      const targets = lifecycle.statuses.flatMap((from) => lifecycle.table[from]);
      expect({ [lifecycle.name]: targets.filter((to) => !lifecycle.statuses.includes(to)) }).toEqual({ [lifecycle.name]: [] });
    }
  });

  it('partner orders: paid or closed unpaid; shipped, received; closed by a full refund before shipping', () => {
    expect(movesOf(PARTNER_ORDER_LIFECYCLE)).toEqual(['0→-1', '0→1', '1→-1', '1→2', '2→3']);
  });

  it('mall orders: paid orders go to 11 for a refund and from there closed or back; nothing leaves -1', () => {
    expect(movesOf(MALL_ORDER_LIFECYCLE)).toEqual(['0→-1', '0→1', '1→11', '1→2', '11→-1', '11→1', '11→2', '11→3', '2→11', '2→3', '3→11'].sort());
  });

  it('mall trades: paid or closed once', () => {
    expect(movesOf(MALL_TRADE_LIFECYCLE)).toEqual(['0→-1', '0→1']);
  });

  it('refunds: decided once, from pending', () => {
    expect(movesOf(REFUND_LIFECYCLE)).toEqual(['pending→failed', 'pending→success']);
  });

  it('payments: paid or closed while pending; closed → paid only for late money', () => {
    expect(movesOf(PAYMENT_LIFECYCLE)).toEqual(['-1→1', '0→-1', '0→1']);
  });

  it('coupons: a partner coupon is reserved or used, and a reserved one used or released; a mall coupon is used and given back', () => {
    expect(movesOf(PARTNER_COUPON_LIFECYCLE)).toEqual(['reserved→unused', 'reserved→used', 'unused→reserved', 'unused→used']);
    expect(movesOf(MALL_COUPON_LIFECYCLE)).toEqual(['0→1', '1→0']);
  });

  it('merchant notifications: pending until delivered or failed for good', () => {
    expect(movesOf(MERCHANT_NOTIFICATION_LIFECYCLE)).toEqual(['pending→delivered', 'pending→failed', 'pending→pending']);
  });

  it('the refundable mall statuses are read from the table: those that may move to 11', () => {
    expect([...REFUNDABLE_MALL_STATUSES].sort()).toEqual([1, 2, 3]);
  });
});

describe('transition()', () => {
  const em = {} as never;
  let updateWhere: jest.SpyInstance;
  beforeEach(() => (updateWhere = jest.spyOn(sql, 'updateWhere')));
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['mall order 2 → 1', () => MALL_ORDER_LIFECYCLE.transition(em, { id: 1 }, 2, 1)],
    ['refund success → failed', () => REFUND_LIFECYCLE.transition(em, { refundNo: 'RF' }, 'success', 'failed')],
    ['partner order -1 → 1', () => PARTNER_ORDER_LIFECYCLE.transition(em, { orderNo: '1' }, -1, 1)],
    ['payment paid → closed', () => PAYMENT_LIFECYCLE.transition(em, { id: 1 }, 1, -1)],
    ['partner coupon used → unused', () => PARTNER_COUPON_LIFECYCLE.transitionAll(em, { id: 'c' }, 'used', 'unused')],
  ])('%s is 42204 before any SQL', async (_name, move) => {
    await expect(move()).rejects.toBeInstanceOf(IllegalStateError);
    expect(updateWhere).not.toHaveBeenCalled();
  });

  it('a lost race is 42204 too, in every lifecycle', async () => {
    updateWhere.mockResolvedValue(0);
    await expect(MALL_TRADE_LIFECYCLE.transition(em, { id: 1 }, 0, 1)).rejects.toBeInstanceOf(IllegalStateError);
    await expect(REFUND_LIFECYCLE.transition(em, { refundNo: 'RF' }, 'pending', 'success')).rejects.toBeInstanceOf(IllegalStateError);
    expect(updateWhere).toHaveBeenCalledTimes(2);
    // The conditional update names the status it moves from, so that of concurrent moves exactly one matches.
    expect(updateWhere.mock.calls[0].slice(2)).toEqual([{ id: 1, status: 0 }, { status: 1 }]);
  });
});

/**
 * The source check: every write of a status column goes through `transition()`. It reads every file of src/ but
 * the lifecycle module, the specs and the migrations (which rewrite history rather than move a row), and finds
 * - SQL text that updates a status column: `UPDATE <table> SET ... <status> = ...`;
 * - TypeORM and database/sql.ts writes whose changes name a status property (`em.update(Entity, where, changes)`,
 *   `updateWhere(em, Entity, where, changes)`, `.update(Entity).set(changes)`, `save`, `upsert`, `increment`),
 *   following spreads and local variables; changes it cannot read count as a write.
 * Inserts write a row's first status and are not moves.
 */
describe('status writes', () => {
  let statusColumns: Map<string, string[]>;
  let statusProperties: Map<string, string[]>;
  beforeAll(() => {
    const statusOf = (m: EntityMetadata) => m.columns.filter((c) => isStatusColumn(c.databaseName));
    statusColumns = new Map(dataSource.entityMetadatas.map((m) => [m.tableName, statusOf(m).map((c) => c.databaseName)]));
    statusProperties = new Map(dataSource.entityMetadatas.map((m) => [m.targetName, statusOf(m).map((c) => c.propertyName)]));
  });

  const scan = (fileName: string, text: string) => findStatusWrites(ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true), statusColumns, statusProperties);

  it('src/ writes no status outside transition()', () => {
    const root = join(__dirname, '../..');
    const files = sourceFiles(root).filter((f) => !f.startsWith(join(root, 'common/lifecycle')) && !f.startsWith(join(root, 'database/migrations')));
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((f) => scan(relative(root, f), readFileSync(f, 'utf8')))).toEqual([]);
  });

  it.each([
    ['SQL text', "execute(em, \"UPDATE partner_coupons SET status = 'used' WHERE id = ?\", [id]);"],
    ['SQL with quoted names', 'execute(em, "UPDATE `mall_coupons` SET trade_sn = ?, `status` = ? WHERE id = ?", params);'],
    ['an SQL template', 'execute(em, `UPDATE mall_coupons SET status = ? WHERE id IN (${list})`, params);'],
    ['em.update', 'em.update(Payment, { outTradeNo }, { status: PaymentStatus.Closed, closedAt: now });'],
    ['updateWhere with a spread', 'const paid = { status: 1, paidAt: now };\nupdateWhere(em, Payment, { id }, { ...paid, needsRefund: true });'],
    ['a query builder', 'em.createQueryBuilder().update(PartnerOrder).set({ orderStatus: 2 }).where("id = :id", { id }).execute();'],
    ['a repository', 'repo.update({ id }, { status: "failed" });'],
    ['changes it cannot read', 'em.update(MallOrder, { id }, changes);'],
    ['a save', 'em.save(order);'],
  ])('finds a status written by %s', (_kind, code) => {
    expect(scan('example.ts', code)).toHaveLength(1);
  });

  it.each([
    ['SQL on other columns', "execute(em, 'UPDATE partner_coupons SET order_no = ? WHERE id = ? AND status = ?', params);"],
    ['em.update on other columns', 'em.update(MallTrade, { id, status: 0 }, { updatedAt: now });'],
    ['an entity without a status', 'em.update(Wallet, { id }, { status: 1 });'],
    ['an insert', 'em.insert(Payment, { status: 0 });'],
    ['a hash', "createHash('md5').update(text, 'utf8');"],
  ])('leaves alone %s', (_kind, code) => {
    expect(scan('example.ts', code)).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

type Verdict = 'writes' | 'clean' | 'unknown';

/** `file:line: what` for every status write in the file. */
function findStatusWrites(file: ts.SourceFile, statusColumns: Map<string, string[]>, statusProperties: Map<string, string[]>): string[] {
  const found: string[] = [];
  const report = (node: ts.Node, what: string) => found.push(`${file.fileName}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${what}`);
  const everyStatusProperty = [...new Set([...statusProperties.values()].flat())];

  // by name across the file, scopes ignored: a name declared twice counts as both
  const variables = new Map<string, ts.Expression[]>();
  const collect = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) variables.set(node.name.text, [...(variables.get(node.name.text) ?? []), node.initializer]);
    ts.forEachChild(node, collect);
  };
  collect(file);

  /** Whether `changes` names one of `properties`, following spreads and variables of the file. */
  const verdict = (node: ts.Expression, properties: string[], seen = new Set<string>()): Verdict => {
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) return verdict(node.expression, properties, seen);
    if (ts.isConditionalExpression(node)) return worst([verdict(node.whenTrue, properties, seen), verdict(node.whenFalse, properties, seen)]);
    if (ts.isArrayLiteralExpression(node)) return worst(node.elements.map((e) => verdict(e, properties, seen)));
    if (ts.isIdentifier(node)) {
      const initializers = variables.get(node.text);
      if (!initializers || seen.has(node.text)) return 'unknown';
      return worst(initializers.map((i) => verdict(i, properties, new Set([...seen, node.text]))));
    }
    if (!ts.isObjectLiteralExpression(node)) return 'unknown';
    return worst(
      node.properties.map((p): Verdict => {
        if (ts.isSpreadAssignment(p)) return verdict(p.expression, properties, seen);
        if (!p.name || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) return 'unknown';
        return properties.includes(p.name.text) ? 'writes' : 'clean';
      }),
    );
  };

  /** The status properties of the entity a call names (none for a name that is no entity), or all of them when it names none. */
  const propertiesOf = (entity: ts.Expression | undefined): string[] => {
    if (!entity || !ts.isIdentifier(entity)) return everyStatusProperty;
    return statusProperties.get(entity.text) ?? [];
  };

  const checkChanges = (call: ts.Node, properties: string[], changes: ts.Expression | undefined) => {
    if (properties.length === 0 || !changes) return;
    const seen = verdict(changes, properties);
    if (seen !== 'clean') report(call, seen === 'writes' ? 'writes a status' : 'writes changes that may hold a status');
  };

  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      const text = ts.isTemplateExpression(node) ? node.head.text + node.templateSpans.map((s) => `?${s.literal.text}`).join('') : node.text;
      for (const match of text.matchAll(/\bUPDATE\s+[`"]?(\w+)[`"]?\s+SET\s+([\s\S]*?)(?:\bWHERE\b|$)/gi)) {
        for (const column of statusColumns.get(match[1]) ?? []) {
          if (new RegExp(`(^|,)\\s*[\`"]?${column}[\`"]?\\s*=`, 'i').test(match[2])) report(node, `SQL writes ${match[1]}.${column}`);
        }
      }
    }
    if (ts.isCallExpression(node)) {
      const args = node.arguments;
      const callee = node.expression;
      if (ts.isIdentifier(callee) && callee.text === 'updateWhere') checkChanges(node, propertiesOf(args[1]), args[3]);
      if (ts.isPropertyAccessExpression(callee)) {
        const method = callee.name.text;
        if (method === 'update' && args.length >= 2) {
          // em.update(Entity, where, changes), or a repository's update(where, changes)
          if (ts.isIdentifier(args[0])) checkChanges(node, propertiesOf(args[0]), args[2]);
          else if (ts.isObjectLiteralExpression(args[0])) checkChanges(node, everyStatusProperty, args[1]);
        }
        if (method === 'set' && ts.isCallExpression(callee.expression) && ts.isPropertyAccessExpression(callee.expression.expression) && callee.expression.expression.name.text === 'update') {
          checkChanges(node, propertiesOf(callee.expression.arguments[0]), args[0]);
        }
        if (method === 'save' || method === 'upsert') {
          if (args.length >= 2 && ts.isIdentifier(args[0]) && /^[A-Z]/.test(args[0].text)) checkChanges(node, propertiesOf(args[0]), args[1]);
          else checkChanges(node, everyStatusProperty, args[0]);
        }
        if ((method === 'increment' || method === 'decrement') && args[2] && ts.isStringLiteral(args[2]) && propertiesOf(args[0]).includes(args[2].text)) {
          report(node, `${method}s a status`);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function worst(verdicts: Verdict[]): Verdict {
  return verdicts.includes('writes') ? 'writes' : verdicts.includes('unknown') ? 'unknown' : 'clean';
}
