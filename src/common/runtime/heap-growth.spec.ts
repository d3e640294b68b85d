import { execFileSync } from 'node:child_process';
import { HEAP_GROWTH_FLAG } from './heap-growth';

/**
 * A child process keeps 200 000 objects alive and churns through objects that live long enough to be promoted, as
 * requests waiting on the database do; it prints the largest old space it saw, in MB.
 */
const CHURN = `
const v8 = require('v8');
if (process.argv[1]) v8.setFlagsFromString(process.argv[1]);
const live = [];
for (let i = 0; i < 200000; i++) live.push({ i, s: 'live' + i });
const recent = [];
let peak = 0;
for (let i = 0; i < 1500000; i++) {
  recent.push({ i, s: 'g' + i, a: [i, i + 1] });
  if (recent.length > 150000) recent.splice(0, 50000);
  if (i % 10000 === 0) peak = Math.max(peak, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size);
}
console.log(Math.round(peak / 1048576), live.length);
`;

const peakOldSpaceMB = (flag: string) => Number(execFileSync(process.execPath, ['-e', CHURN, flag], { encoding: 'utf8' }).split(' ')[0]);

describe('heap growth limit', () => {
  it('set in a running process, keeps the old space near what survives instead of letting garbage pile up', () => {
    const limited = peakOldSpaceMB(HEAP_GROWTH_FLAG);
    const unlimited = peakOldSpaceMB('');
    expect(limited).toBeLessThan(80);
    expect(unlimited).toBeGreaterThan(limited * 1.5);
  }, 30_000);
});
