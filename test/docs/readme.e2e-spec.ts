import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signCommand } from '../../scripts/sign';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * The README as a newcomer uses it: the first screen says how to install, start and test; every `npm run X` it
 * names exists; and its shell commands that talk to the service (`curl ...`, `npm run sign -- ...` and the curl
 * that prints) work as written against a freshly started service with the demo data.
 */
const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SCRIPTS = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts);

/** The lines of the README's ```bash blocks, indentation removed. */
function bashLines(): string[] {
  return [...README.matchAll(/```bash\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
}

describe('README', () => {
  it('shows npm install, npm start and npm test within its first 3000 characters', () => {
    const first = README.slice(0, 3000);
    for (const command of ['npm install', 'npm start', 'npm test']) expect(first).toContain(command);
  });

  it('names only npm scripts that exist, and so do the docs', () => {
    const named = (text: string) => [...text.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
    expect(named(README).length).toBeGreaterThan(5);
    expect(named(README).filter((name) => !SCRIPTS.includes(name))).toEqual([]);
    for (const file of readdirSync(join(ROOT, 'docs'))) {
      expect({ file, missing: named(readFileSync(join(ROOT, 'docs', file), 'utf8')).filter((name) => !SCRIPTS.includes(name)) }).toEqual({ file, missing: [] });
    }
  });

  it('stays short: under 8 KB, the depth in docs/', () => {
    expect(Buffer.byteLength(README)).toBeLessThan(8192);
  });

  it('no longer claims that Execute in Swagger returns the same order', () => {
    expect(README).not.toMatch(/Execute again within 60 s/);
  });

  describe('its commands against a running service', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp('sqlite');
    });
    afterAll(() => t.close());

    /** Runs a README curl command with the service's address in place of localhost:3000 (asynchronously: the service runs in this process). */
    const curl = async (command: string) => {
      const local = command.replace(/(http:\/\/)?localhost:3000/g, t.baseUrl);
      return (await promisify(execFile)('sh', ['-c', local], { encoding: 'utf8', timeout: 10_000 })).stdout;
    };
    const succeeded = (output: string) => {
      const body = JSON.parse(output);
      return body.code === 1 || body.result === 1;
    };

    it('the curl commands answer success, and the identical pay twice is one order', async () => {
      const curls = bashLines().filter((l) => l.startsWith('curl '));
      expect(curls.length).toBeGreaterThan(0);
      for (const command of curls) {
        const first = await curl(command);
        expect(succeeded(first)).toBe(true);
        if (command.includes('/app/partner/order/pay')) {
          const again = JSON.parse(await curl(command));
          expect(again.result.order_info.order_no).toBe(JSON.parse(first).result.order_info.order_no);
        }
      }
    });

    it('every `npm run sign` command prints a curl that succeeds', async () => {
      const signs = bashLines().filter((l) => l.startsWith('npm run sign -- '));
      expect(signs.length).toBeGreaterThanOrEqual(4);
      for (const line of signs) {
        // The shell's word splitting of `npm run sign -- '<json>' --flag value ...`, for single-quoted JSON.
        const args = [...line.slice('npm run sign -- '.length).matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
        const out: string[] = [];
        expect(signCommand(args, {}, (l) => out.push(l), (l) => out.push(l))).toBe(0);
        const printed = out.find((l) => l.startsWith('curl '))!;
        expect(printed).toContain("'http://localhost:3000/");
        expect({ line, output: await curl(printed) }).toEqual({ line, output: expect.stringMatching(/"(code|result)":1\b/) });
      }
    });

    it('the metrics command finds the payments counter', async () => {
      const command = README.match(/`(curl -s localhost:3000\/metrics[^`]*)`/)![1];
      expect(await curl(command)).toMatch(/^payments_total\{/m);
    });
  });
});
