import { insertUnderFreshNumber } from './fresh-number';

const duplicate = () => Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' });

describe('insertUnderFreshNumber', () => {
  it('retries a number the index refused, under the next attempt, and answers what the insert returned', async () => {
    const tried: number[] = [];
    const collisions: number[] = [];
    const result = await insertUnderFreshNumber(
      async (attempt) => {
        tried.push(attempt);
        if (attempt < 3) throw duplicate();
        return `N${attempt}`;
      },
      { attempts: 4, onCollision: () => collisions.push(tried.length) },
    );
    expect(result).toBe('N3');
    expect(tried).toEqual([1, 2, 3]);
    expect(collisions).toEqual([1, 2]);
  });

  it('throws the collision once every attempt collided', async () => {
    let tries = 0;
    const failing = insertUnderFreshNumber(async () => {
      tries += 1;
      throw duplicate();
    }, { attempts: 4 });
    await expect(failing).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    expect(tries).toBe(4);
  });

  it('never retries another error, nor a unique refusal that is not the number', async () => {
    let tries = 0;
    const refused = new Error('refused');
    await expect(insertUnderFreshNumber(async () => { tries += 1; throw refused; }, { attempts: 4 })).rejects.toBe(refused);
    const otherIndex = Object.assign(new Error('Duplicate entry for key uq_other'), { code: 'ER_DUP_ENTRY' });
    await expect(insertUnderFreshNumber(async () => { tries += 1; throw otherIndex; }, { attempts: 4, numberTaken: (e) => !(e as Error).message.includes('uq_other') })).rejects.toBe(otherIndex);
    expect(tries).toBe(2);
  });
});
