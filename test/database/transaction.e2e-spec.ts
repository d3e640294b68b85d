import { EntityManager } from 'typeorm';
import { PartnerLevel } from '../../src/database/entities/partner/partner-level.entity';
import { In } from 'typeorm';
import { execute, executeOne, updateWhere } from '../../src/database/sql';
import { TransactionLostError } from '../../src/database/transaction-loss.subscriber';
import { TransactionService } from '../../src/database/transaction.service';
import { describeEachEngine } from '../support/each-engine';
import { useQueryLog } from '../support/query-log';

/**
 * The write path every use case takes (database/transaction.service.ts): one statement per round trip, conditional
 * writes checked as they run, an epilogue written last inside the transaction. Rows of partner_levels serve as
 * plain markers.
 */
const insertLevel = (em: EntityManager, id: string) => execute(em, 'INSERT INTO partner_levels (id, name, level_rank) VALUES (?, ?, ?)', [id, id, 1]);

describeEachEngine('transactions', (ctx, engine) => {
  const log = useQueryLog(ctx);
  let seq = 0;
  const id = (label: string) => `${label}-${seq++}`;
  const exists = async (levelId: string) => (await ctx().dataSource.getRepository(PartnerLevel).countBy({ id: levelId })) === 1;
  const tx = () => ctx().app.get(TransactionService);
  const epilogueInserting = (levelId: string) => ({ writeIn: (em: EntityManager) => insertLevel(em, levelId).then(() => undefined) });

  it('the work and its epilogue commit together', async () => {
    const [a, b, mark] = [id('a'), id('b'), id('mark')];
    const result = await tx().run(async (em) => {
      await insertLevel(em, a);
      await em.insert(PartnerLevel, { id: b, name: b, rank: 1 });
      return 'done';
    }, epilogueInserting(mark));
    expect(result).toBe('done');
    expect([await exists(a), await exists(b), await exists(mark)]).toEqual([true, true, true]);
  });

  it('a conditional write that changes no row throws as it runs, and nothing of the transaction remains', async () => {
    const [before, after, mark] = [id('before'), id('after'), id('mark')];
    let ranAfter = false;
    const failed = tx().run(async (em) => {
      await insertLevel(em, before);
      await executeOne(em, 'UPDATE partner_levels SET name = ? WHERE id = ?', ['x', 'no-such-level'], () => new Error('no row changed'));
      ranAfter = true;
      await insertLevel(em, after);
    }, epilogueInserting(mark));
    await expect(failed).rejects.toThrow('no row changed');
    expect(ranAfter).toBe(false);
    expect([await exists(before), await exists(after), await exists(mark)]).toEqual([false, false, false]);
  });

  it('an epilogue that fails rolls the work back', async () => {
    const [work, taken] = [id('work'), id('taken')];
    await tx().run((em) => insertLevel(em, taken));
    const failed = tx().run((em) => insertLevel(em, work), epilogueInserting(taken));
    await expect(failed).rejects.toThrow();
    expect(await exists(work)).toBe(false);
  });

  it('updateWhere: property names become columns, only rows matching every condition change, and their count is returned', async () => {
    const [a, b] = [id('uw-a'), id('uw-b')];
    await tx().run(async (em) => {
      await insertLevel(em, a);
      await insertLevel(em, b);
    });
    const levels = ctx().dataSource.getRepository(PartnerLevel);
    const moved = await tx().run((em) => updateWhere(em, PartnerLevel, { id: a, rank: 1 }, { rank: 7, name: undefined }));
    expect(moved).toBe(1);
    expect(await tx().run((em) => updateWhere(em, PartnerLevel, { id: a, rank: 1 }, { rank: 9 }))).toBe(0);
    expect(await levels.findOneByOrFail({ id: a })).toMatchObject({ rank: 7, name: a });
    expect(await levels.findOneByOrFail({ id: b })).toMatchObject({ rank: 1, name: b });
  });

  it('updateWhere refuses a condition that is not a plain value instead of widening the update', async () => {
    const sent = log.queries.length;
    await expect(tx().run((em) => updateWhere(em, PartnerLevel, { id: In(['x', 'y']) as unknown as string }, { rank: 2 }))).rejects.toThrow('must be a plain value');
    await expect(tx().run((em) => updateWhere(em, PartnerLevel, { id: undefined }, { rank: 2 }))).rejects.toThrow('must be a plain value');
    await expect(tx().run((em) => updateWhere(em, PartnerLevel, {}, { rank: 2 }))).rejects.toThrow('needs a condition');
    expect(log.queries.slice(sent).filter((q) => q.startsWith('UPDATE'))).toEqual([]);
  });

  it('on MySQL, every statement is a round trip of its own: START TRANSACTION, the statements, COMMIT', async () => {
    const [a, mark] = [id('a'), id('mark')];
    log.queries = [];
    await tx().run((em) => insertLevel(em, a), epilogueInserting(mark));
    if (ctx().engine === 'mysql') {
      expect(log.queries).toHaveLength(4);
      expect(log.queries[0]).toBe('START TRANSACTION');
      expect(log.queries[1]).toMatch(/^INSERT INTO partner_levels/);
      expect(log.queries[2]).toMatch(/^INSERT INTO partner_levels/);
      expect(log.queries[3]).toBe('COMMIT');
      for (const q of log.queries) expect(q).not.toContain(';');
    } else {
      expect(log.queries.filter((q) => /^INSERT/.test(q))).toHaveLength(2);
    }
  });

  // Only a database server can leave a transaction on its own (a Galera node aborting it); the embedded SQLite cannot.
  const onMysql = engine === 'mysql' ? it : it.skip;

  onMysql('on MySQL, a write answered outside the transaction fails it, and nothing after it is written', async () => {
    const [before, after] = [id('before'), id('after')];
    const failed = tx().run(async (em) => {
      await insertLevel(em, before);
      // What a server that dropped the transaction under us answers: the next write runs on its own.
      await em.query('COMMIT');
      await insertLevel(em, after);
    });
    await expect(failed).rejects.toBeInstanceOf(TransactionLostError);
    expect(await exists(after)).toBe(false);
  });
});
