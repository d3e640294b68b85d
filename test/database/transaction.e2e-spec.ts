import { PartnerLevel } from '../../src/database/entities/partner/partner-level.entity';
import { exactlyOne, WriteBatch } from '../../src/database/sql';
import { TransactionService } from '../../src/database/transaction.service';
import { describeEachEngine } from '../support/each-engine';
import { useQueryLog } from '../support/query-log';

/**
 * The write path every use case takes (database/transaction.service.ts, database/sql.ts): on MySQL START TRANSACTION,
 * batches and deferred writes travel with other statements, so what commits and what rolls back must be exactly
 * what one statement at a time would give. Rows of partner_levels serve as plain markers.
 */
const insertLevel = (id: string) => ({ sql: 'INSERT INTO partner_levels (id, name, level_rank) VALUES (?, ?, ?)', params: [id, id, 1] });

describeEachEngine('transactions, batches and deferred writes', (ctx) => {
  const log = useQueryLog(ctx);
  let seq = 0;
  const id = (label: string) => `${label}-${seq++}`;
  const exists = async (levelId: string) => (await ctx().dataSource.getRepository(PartnerLevel).countBy({ id: levelId })) === 1;
  const tx = () => ctx().app.get(TransactionService);

  it('on MySQL, a transaction that sends nothing costs no round trip', async () => {
    log.queries = [];
    expect(await tx().run(async () => 'nothing')).toBe('nothing');
    if (ctx().engine === 'mysql') expect(log.queries).toEqual([]);
  });

  it('a batch, a deferred write and the commit statement all commit together', async () => {
    const [a, b, deferred, mark] = [id('batch-a'), id('batch-b'), id('deferred'), id('mark')];
    await tx().run(async (em) => {
      const one = insertLevel(a);
      const two = insertLevel(b);
      await new WriteBatch().add(one.sql, one.params, exactlyOne(() => new Error('a'))).add(two.sql, two.params, exactlyOne(() => new Error('b'))).run(em);
      const later = insertLevel(deferred);
      await new WriteBatch().add(later.sql, later.params).defer(em);
    }, insertLevel(mark));
    expect([await exists(a), await exists(b), await exists(deferred), await exists(mark)]).toEqual([true, true, true, true]);
  });

  it('a failed check rolls back the whole batch, what came before it and what was deferred', async () => {
    const [before, deferred, inBatch, mark] = [id('before'), id('deferred'), id('in-batch'), id('mark')];
    const failed = tx().run(async (em) => {
      await em.insert(PartnerLevel, { id: before, name: before, rank: 1 });
      const later = insertLevel(deferred);
      await new WriteBatch().add(later.sql, later.params).defer(em);
      const row = insertLevel(inBatch);
      await new WriteBatch()
        .add(row.sql, row.params)
        .add('UPDATE partner_levels SET name = ? WHERE id = ?', ['x', 'no-such-level'], exactlyOne(() => new Error('no row changed')))
        .run(em);
    }, insertLevel(mark));
    await expect(failed).rejects.toThrow('no row changed');
    expect([await exists(before), await exists(deferred), await exists(inBatch), await exists(mark)]).toEqual([false, false, false, false]);
  });

  it('a transaction whose batch check failed never commits, even when the caller caught the error', async () => {
    const [inBatch, after] = [id('in-batch'), id('after')];
    const failed = tx().run(async (em) => {
      const row = insertLevel(inBatch);
      await new WriteBatch()
        .add('UPDATE partner_levels SET name = ? WHERE id = ?', ['x', 'no-such-level'], exactlyOne(() => new Error('no row changed')))
        .add(row.sql, row.params)
        .run(em)
        .catch(() => undefined);
      await em.insert(PartnerLevel, { id: after, name: after, rank: 1 });
      return 'swallowed';
    });
    await expect(failed).rejects.toThrow('a write check failed in this transaction');
    expect([await exists(inBatch), await exists(after)]).toEqual([false, false]);
  });

  it('a statement that fails in a batch fails the transaction and leaves nothing', async () => {
    const [first, mark] = [id('first'), id('mark')];
    const row = insertLevel(first);
    const failed = tx().run((em) => new WriteBatch().add(row.sql, row.params).add(row.sql, row.params).run(em), insertLevel(mark));
    await expect(failed).rejects.toThrow();
    expect([await exists(first), await exists(mark)]).toEqual([false, false]);
  });

  it('a deferred write that fails at COMMIT fails the transaction and leaves nothing', async () => {
    const [first, mark] = [id('first'), id('mark')];
    const row = insertLevel(first);
    const failed = tx().run(async (em) => {
      await em.insert(PartnerLevel, { id: first, name: first, rank: 1 });
      await new WriteBatch().add(row.sql, row.params).defer(em);
    }, insertLevel(mark));
    await expect(failed).rejects.toThrow();
    expect([await exists(first), await exists(mark)]).toEqual([false, false]);
  });

  it('on MySQL, START TRANSACTION goes out with the first statement and COMMIT with the deferred writes', async () => {
    const t = ctx();
    log.queries = [];
    const [a, deferred, mark] = [id('a'), id('deferred'), id('mark')];
    await tx().run(async (em) => {
      await em.insert(PartnerLevel, { id: a, name: a, rank: 1 });
      const later = insertLevel(deferred);
      await new WriteBatch().add(later.sql, later.params).defer(em);
    }, insertLevel(mark));
    if (t.engine === 'mysql') {
      expect(log.queries).toHaveLength(2);
      expect(log.queries[0]).toMatch(/^START TRANSACTION;\nINSERT INTO/);
      expect(log.queries[1].split(';\n')).toEqual([insertLevel(deferred).sql, insertLevel(mark).sql, 'COMMIT']);
    } else {
      expect(log.queries.filter((q) => /^INSERT/.test(q))).toHaveLength(3);
    }
  });
});
