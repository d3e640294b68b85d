import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { contextCopies } from '../../scripts/check-docker-build';

/** docker-compose.yml, the Dockerfile and .dockerignore as a user runs them (no Docker engine needed). */
const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  ports?: unknown[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  volumes?: string[];
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const { mysql, app } = compose.services;

  it('runs MySQL 8 without publishing its port on the host', () => {
    expect(mysql.image).toMatch(/^mysql:8(\.|$)/);
    expect(mysql.ports).toBeUndefined();
    expect(mysql.healthcheck?.test?.join(' ')).toContain('mysqladmin');
    expect(mysql.environment?.MYSQL_DATABASE).toBeTruthy();
  });

  it('points the service at that database with a mysql:// URL, once MySQL is healthy', () => {
    const url = new URL(app.environment!.DATABASE_URL);
    expect(url.protocol).toBe('mysql:');
    expect(url.hostname).toBe('mysql');
    expect(url.pathname).toBe(`/${mysql.environment!.MYSQL_DATABASE}`);
    expect(decodeURIComponent(url.username)).toBe(mysql.environment!.MYSQL_USER);
    expect(decodeURIComponent(url.password)).toBe(mysql.environment!.MYSQL_PASSWORD);
    expect(app.environment!.DB_TYPE).toBe('mysql');
    expect(app.depends_on?.mysql?.condition).toBe('service_healthy');
  });

  it('publishes the service on its PORT, with PUBLIC_BASE_URL on that port, and checks its readiness', () => {
    const port = app.environment!.PORT;
    expect(app.ports).toEqual([`${port}:${port}`]);
    expect(new URL(app.environment!.PUBLIC_BASE_URL).port).toBe(port);
    expect(app.healthcheck?.test?.join(' ')).toContain(`127.0.0.1:${port}/health/ready'`);
  });

  it('keeps the service data and MySQL data in named volumes', () => {
    expect(app.volumes).toContain(`app-data:${app.environment!.DATA_DIR}`);
    expect(Object.keys(compose.volumes ?? {})).toEqual(expect.arrayContaining(['app-data', 'mysql-data']));
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = read('Dockerfile');
  const finalStage = dockerfile.split(/^FROM /m).pop()!;
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('runs the service as an unprivileged user, with a health check on its liveness', () => {
    expect(finalStage).toMatch(/^USER (?!root\b|0\b)\S+/m);
    expect(finalStage).toMatch(/^HEALTHCHECK [\s\S]*\/health\/live'/m);
    expect(finalStage).toMatch(/^CMD \["node", "dist\/main.js"\]/m);
  });

  it('keeps dependencies, git, local data and results out of the build context', () => {
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', 'data', 'dist', 'test/artifacts', 'bench/results', '.env']));
  });

  it('copies only files that are in the repository and not ignored', () => {
    const tracked = execSync('git ls-files', { cwd: ROOT, encoding: 'utf8' }).split('\n');
    for (const source of contextCopies(dockerfile)) {
      expect(tracked.some((file) => file === source || file.startsWith(`${source}/`))).toBe(true);
      expect(ignored.some((pattern) => pattern === source || source.startsWith(`${pattern}/`))).toBe(false);
    }
    expect(contextCopies(dockerfile)).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src']));
  });
});
