import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { EntityTarget, ObjectLiteral } from 'typeorm';
import { ENTITIES } from '../../src/database/entities';
import { IdempotencyRecord } from '../../src/database/entities/common/idempotency-record.entity';
import { MallMember } from '../../src/database/entities/mall/mall-member.entity';
import { Wallet } from '../../src/database/entities/payments/wallet.entity';
import type { TestApp } from '../support/test-app';

export type Family = 'partner' | 'mall';

export const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * What a refused request must leave as it was: the row count of every business table and the sums that carry
 * money and points (idempotency claims are bookkeeping of the refusal itself, not stored business).
 */
export async function businessSnapshot(t: TestApp): Promise<Record<string, number>> {
  const em = t.dataSource.manager;
  const out: Record<string, number> = {};
  for (const entity of ENTITIES) {
    if (entity === IdempotencyRecord) continue;
    out[`rows:${t.dataSource.getMetadata(entity).tableName}`] = await em.count(entity as EntityTarget<ObjectLiteral>);
  }
  const sum = async (entity: EntityTarget<ObjectLiteral>, column: string) =>
    Number((await em.createQueryBuilder(entity, 'e').select(`COALESCE(SUM(e.${column}), 0)`, 'total').getRawOne<{ total: string }>())?.total ?? 0);
  out['sum:wallets.balance'] = await sum(Wallet, 'balance');
  out['sum:mall_members.points'] = await sum(MallMember, 'points');
  return out;
}

/** A 4xx with `code` in the family's envelope, nothing of a stack on the wire. */
export function expectRefused(res: Response, family: Family, status: number, code: number): void {
  const summary = `${res.status} ${res.text.slice(0, 300)}`;
  expect({ status: res.status, code: family === 'partner' ? res.body?.code : res.body?.data?.code, summary }).toEqual({ status, code, summary });
  if (family === 'partner') expect(Object.keys(res.body).sort()).toEqual(['code', 'errors', 'msg', 'result']);
  else expect(res.body).toMatchObject({ result: 0, data: { code } });
  expect(res.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|RangeError|QueryFailedError/);
}

/** `{"a":{"a":...{"a":leaf}}}`, built as text: JSON.stringify itself would overflow the stack at depth 10 000. */
export function nestedJson(depth: number, leaf = '1'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}
