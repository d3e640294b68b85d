import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOpenApiFile } from '../../src/docs/openapi-file';
import { createTestApp, TestApp } from '../support/test-app';

type Operation = { requestBody?: { content?: Record<string, { schema?: { $ref?: string }; example?: unknown }> }; responses: Record<string, unknown> };
type Schema = { properties?: Record<string, { example?: unknown; $ref?: string; items?: { $ref?: string } }>; example?: unknown; allOf?: Array<{ $ref?: string }> };

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

  beforeAll(async () => {
    t = await createTestApp('sqlite');
    doc = (await t.http.get('/docs-json').expect(200)).body;
  });
  afterAll(() => t.close());

  it('openapi.json in the repository is up to date (run `npm run openapi` after changing the API)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8');
    expect(renderOpenApiFile(t.app)).toBe(committed);
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));

  it('every operation documents at least one error response', () => {
    const missing = operations().filter(({ op }) => !Object.keys(op.responses).some((status) => Number(status) >= 400)).map((o) => o.route);
    expect(missing).toEqual([]);
  });

  it('every request body has an example for each of its fields', () => {
    const schemaOf = (ref?: string) => (ref ? doc.components.schemas[ref.split('/').pop()!] : undefined);
    const withoutExample: string[] = [];
    for (const { route, op } of operations()) {
      for (const media of Object.values(op.requestBody?.content ?? {})) {
        if (media.example !== undefined) continue;
        const schema = schemaOf(media.schema?.$ref);
        if (!schema) {
          withoutExample.push(`${route}: body schema`);
          continue;
        }
        for (const [name, prop] of Object.entries(schema.properties ?? {})) {
          if (prop.example === undefined && !prop.$ref && !prop.items?.$ref) withoutExample.push(`${route}: ${name}`);
        }
      }
    }
    expect(withoutExample).toEqual([]);
  });

  it('serves the Swagger UI with in-browser signing and the admin token in development', async () => {
    const page = await t.http.get('/docs/swagger-ui-init.js').expect(200);
    expect(page.text).toContain('signSwaggerRequest');
    expect(page.text).toMatch(/"authAction":[\s\S]*"value": "admin-dev-token"/);
    const html = await t.http.get('/docs').expect(200);
    expect(html.text).toContain('__opsSignRequest');
    expect(html.text).toContain('ops-retry-last');
    expect(html.text).not.toContain('crypto.subtle');
  });

  it('types integer fields as integers with the bounds validation enforces', () => {
    const props = (name: string) => doc.components.schemas[name].properties as Record<string, { type?: string; minimum?: number; maximum?: number; enum?: unknown[] }>;
    expect(props('PayOrderDto').pay_type).toMatchObject({ type: 'integer', enum: [1, 2] });
    expect(props('PayOrderDto').address_id).toMatchObject({ type: 'integer', minimum: 1 });
    expect(props('OrderListDto').page_size).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    expect(props('GoodsLineDto').total).toMatchObject({ type: 'integer', minimum: 1, maximum: 9999 });
  });
});

describe('OpenAPI in production', () => {
  let t: TestApp;
  beforeAll(async () => {
    const keyPair = () =>
      generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const app = keyPair();
    const alipay = keyPair();
    t = await createTestApp('sqlite', {
      env: {
        NODE_ENV: 'production',
        PARTNER_SIGN_KEY: 'prod-key-for-test-0123456789abcdef',
        ADMIN_TOKEN: 'prod-token-for-test-0123456789abcdef',
        PARTNER_USER_TOKEN_SECRET: 'prod-user-token-secret-0123456789abcdef',
        PAY_LINK_KEY: randomBytes(32).toString('base64url'),
        DEMO_DATA: 'false',
        ALIPAY_APP_ID: '2021000000000001',
        ALIPAY_PRIVATE_KEY: app.privateKey,
        ALIPAY_PUBLIC_KEY: alipay.publicKey,
      },
    });
  });
  afterAll(() => t.close());

  it('serves neither the development signing nor the development token', async () => {
    const init = await t.http.get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).not.toContain('signSwaggerRequest');
    expect(init.text).not.toContain('"authAction":');
    const html = await t.http.get('/docs').expect(200);
    expect(html.text).not.toContain('__opsSignRequest');
    expect(html.text).not.toContain('partner-dev-key');
  });
});
