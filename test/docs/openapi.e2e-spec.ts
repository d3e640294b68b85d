import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOpenApiFile } from '../../src/docs/openapi-file';
import { controllersOf, duplicateSchemaNames } from '../../src/docs/schema-classes';
import { createTestApp, TestApp } from '../support/test-app';

type Response = { headers?: Record<string, unknown>; content?: Record<string, { schema?: { required?: string[] } }> };
type Operation = {
  operationId: string;
  tags: string[];
  security?: Array<Record<string, string[]>>;
  requestBody?: { content?: Record<string, { schema?: { $ref?: string }; example?: unknown; encoding?: Record<string, { style?: string; explode?: boolean }> }> };
  responses: Record<string, Response>;
};
type Schema = { properties?: Record<string, { example?: unknown; $ref?: string; items?: { $ref?: string } }>; example?: unknown; allOf?: Array<{ $ref?: string }> };
type Doc = {
  servers: Array<{ url: string }>;
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, { type: string; description?: string }> };
};

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: Doc;

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

  type Property = { type?: string; minimum?: number; maximum?: number; enum?: unknown[]; oneOf?: Property[]; items?: Property; $ref?: string; pattern?: string };
  const props = (name: string) => doc.components.schemas[name].properties as Record<string, Property>;

  it('types integer fields as integers with the bounds validation enforces, or numeric strings', () => {
    expect(props('PayOrderDto').pay_type.oneOf).toEqual([{ type: 'integer', enum: [1, 2] }, { type: 'string', pattern: '^\\s*(1|2)\\s*$' }]);
    expect(props('PayOrderDto').address_id.oneOf).toEqual([expect.objectContaining({ type: 'integer', minimum: 1 }), expect.objectContaining({ type: 'string' })]);
    expect(props('OrderListDto').page_size.oneOf?.[0]).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    expect(props('GoodsLineDto').total.oneOf?.[0]).toMatchObject({ type: 'integer', minimum: 1, maximum: 9999 });
    const payType = new RegExp(props('PayOrderDto').pay_type.oneOf![1].pattern!);
    expect(['1', '2', ' 2', '3', '12'].map((v) => payType.test(v))).toEqual([true, true, true, false, false]);
    const total = new RegExp(props('GoodsLineDto').total.oneOf![1].pattern!);
    expect(['2', '9999', '2.5', 'two'].map((v) => total.test(v))).toEqual([true, true, false, false]);
    expect(props('RefundRequestDto').amount.oneOf).toEqual([{ type: 'number' }, expect.objectContaining({ type: 'string' })]);
  });

  it('takes the seed 002 forms: goods, orders, order_goods and address as structures or JSON text', () => {
    const create = props('CreateOrderDto');
    expect(create.goods.oneOf).toEqual([{ type: 'array', items: { $ref: '#/components/schemas/GoodsLineDto' } }, expect.objectContaining({ type: 'string' })]);
    expect(create.orders.oneOf).toEqual([{ type: 'array', items: { $ref: '#/components/schemas/OrderChoiceDto' } }, expect.objectContaining({ type: 'string' })]);
    expect(create.order_goods.oneOf).toEqual([{ type: 'array', items: { $ref: '#/components/schemas/OrderGoodsFormDto' } }, expect.objectContaining({ type: 'string' })]);
    for (const dto of ['CreateOrderDto', 'PreOrderDto']) {
      expect(props(dto).address.oneOf).toEqual([{ $ref: '#/components/schemas/MallAddressDto' }, expect.objectContaining({ type: 'string' })]);
    }
  });

  it('names every schema after one class: no two classes that reach the document share a name', () => {
    expect(duplicateSchemaNames(controllersOf(t.app))).toEqual([]);
    expect(Object.keys(props('MallAddressDto'))).toEqual(expect.arrayContaining(['mobile', 'username', 'province', 'city', 'district', 'address']));
  });

  it('declares encoding for the nested fields of form bodies', () => {
    const form = doc.paths['/order/create'].post.requestBody!.content!['application/x-www-form-urlencoded'];
    for (const field of ['goods', 'orders', 'order_goods', 'address']) expect(form.encoding?.[field]).toEqual({ style: 'deepObject', explode: true });
    expect(form.encoding?.uid).toBeUndefined();
  });

  it('declares 503 on every operation and 429 on every counted one, with Retry-After; envelopes list their fields as required', () => {
    const missing: string[] = [];
    for (const { route, op } of operations()) {
      const statuses = op.security!.length > 0 ? ['429', '503'] : ['503'];
      for (const status of statuses) if (!op.responses[status]?.headers?.['Retry-After']) missing.push(`${route} ${status}`);
    }
    expect(missing).toEqual([]);
    const pay = doc.paths['/app/partner/order/pay'].post.responses;
    expect(pay['200'].content!['application/json'].schema!.required).toEqual(['code', 'errors', 'msg', 'result']);
    expect(pay['429'].content!['application/json'].schema!.required).toEqual(['code', 'errors', 'msg', 'result']);
    expect(doc.paths['/order/create'].post.responses['503'].content!['application/json'].schema!.required).toEqual(['result', 'msg', 'data']);
  });

  it('names operations and tags for callers, declares every tag, and every operation\'s security', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !/^[a-z][A-Za-z]+$/.test(id))).toEqual([]);
    expect(ids).toEqual(expect.arrayContaining(['partnerOrderPay', 'partnerGiftList', 'mallOrderCreate', 'adminPartnerRefund']));
    const declared = new Map(doc.tags.map((tag) => [tag.name, tag.description]));
    expect(operations().flatMap(({ op }) => op.tags).filter((tag) => !declared.get(tag))).toEqual([]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['admin', 'mallSignature', 'partnerSignature', 'partnerUserToken']);
    expect(operations().filter(({ op }) => op.security === undefined).map((o) => o.route)).toEqual([]);
    expect(doc.paths['/order/create'].post.security).toEqual([{ mallSignature: [] }]);
    expect(doc.paths['/app/partner/order/pay'].post.security).toEqual([{ partnerSignature: [], partnerUserToken: [] }, { partnerSignature: [] }]);
    expect(doc.paths['/admin/partner/users'].post.security).toEqual([{ admin: [] }]);
  });

  it('serves PUBLIC_BASE_URL as its server; the committed file a relative one', () => {
    expect(doc.servers).toEqual([{ url: t.baseUrl }]);
    expect(JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8')).servers).toEqual([{ url: '/' }]);
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
