/**
 * `npm run test:docker`: what `docker build` does in its build stage, without Docker. Copies exactly the files the
 * Dockerfile copies from the build context (after .dockerignore) into a temporary directory, runs the stage's
 * `npm ci`, `npm run build` and `npm prune --omit=dev` there, then starts the pruned result and waits for
 * `/health`: a file or a production dependency the image lacks fails here. Slow (a clean install): run by CI,
 * not by `npm test`. `--reuse-node-modules` (CI, right after its own `npm ci` of the same lock file) hard-links the
 * checkout's node_modules in place of the stage's `npm ci`, saving a minute; build and prune run as in the image.
 */
import { execSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

/** The build stage's `COPY` sources from the build context (not `--from=` another stage). */
export function contextCopies(dockerfile: string): string[] {
  const firstStage = dockerfile.split(/^FROM /m)[1] ?? '';
  return firstStage
    .split('\n')
    .filter((line) => /^COPY\s/.test(line) && !/--from=/.test(line))
    .flatMap((line) => line.trim().split(/\s+/).slice(1, -1).filter((arg) => !arg.startsWith('--')));
}

/** The build stage's `RUN npm ...` steps, in order. */
export function npmSteps(dockerfile: string): string[] {
  const firstStage = dockerfile.split(/^FROM /m)[1] ?? '';
  return firstStage
    .split('\n')
    .filter((line) => /^RUN\s+npm\s/.test(line))
    .map((line) => line.replace(/^RUN\s+/, '').trim());
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function main(): Promise<void> {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'ops-docker-build-'));
  try {
    for (const source of contextCopies(dockerfile)) {
      if (!existsSync(join(ROOT, source))) throw new Error(`the Dockerfile copies ${source}, which does not exist`);
      cpSync(join(ROOT, source), join(dir, source), { recursive: true });
    }
    console.log(`copied ${contextCopies(dockerfile).join(', ')} to ${dir}`);
    const reuse = process.argv.includes('--reuse-node-modules') && existsSync(join(ROOT, 'node_modules'));
    for (const step of npmSteps(dockerfile)) {
      if (reuse && /^npm ci\b/.test(step)) {
        console.log(`$ ${step}: instead, the checkout's node_modules, hard-linked (its own npm ci installed the same lock file)`);
        execSync(`cp -al ${JSON.stringify(join(ROOT, 'node_modules'))} ${JSON.stringify(join(dir, 'node_modules'))}`);
        // npm rewrites its hidden lock file when it prunes: a copy of its own, not the checkout's inode.
        const hidden = join(dir, 'node_modules', '.package-lock.json');
        if (existsSync(hidden)) {
          unlinkSync(hidden);
          cpSync(join(ROOT, 'node_modules', '.package-lock.json'), hidden);
        }
        continue;
      }
      console.log(`$ ${step}`);
      execSync(step, { cwd: dir, stdio: 'inherit' });
    }
    if (existsSync(join(dir, 'node_modules', 'jest'))) throw new Error('npm prune --omit=dev left dev dependencies (jest) behind');

    const port = await freePort();
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', PORT: String(port), DATA_DIR: join(dir, 'data'), SQLITE_PATH: join(dir, 'data', 'app.sqlite'), LOG_LEVEL: 'warn' },
      stdio: 'inherit',
    });
    try {
      let healthy = false;
      for (let i = 0; i < 100 && !healthy && child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 300));
        healthy = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
      }
      if (!healthy) throw new Error('the pruned build did not answer /health');
      console.log('the pruned build starts and answers /health: OK');
    } finally {
      child.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`docker build check failed: ${(error as Error).message}`);
    process.exitCode = 1;
  });
}
