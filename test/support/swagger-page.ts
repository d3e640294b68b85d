import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { IDEMPOTENCY_KEY_EXAMPLE } from '../../src/common/idempotency/accepts-idempotency-key.decorator';
import { DEV_ADMIN_TOKEN, DEV_PARTNER_SIGN_KEY } from '../../src/config/app-config';
import { DEMO_MALL_APP_ID, DEMO_MALL_SECRET } from '../../src/database/demo-data/demo-data';
import { createPageSigner, DevSigningKeys, SentRequests } from '../../src/dev/swagger-signing';

/** The parts of `/docs-json` that Swagger UI builds a "Try it out" request from. */
export type Schema = { $ref?: string; type?: string; example?: unknown; default?: unknown; properties?: Record<string, Schema>; items?: Schema; allOf?: Schema[] };
export type Parameter = { name: string; in: 'path' | 'query' | 'header'; example?: unknown; schema?: Schema };
export type Operation = { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema?: Schema; example?: unknown }> } };
export type OpenApiDoc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

/** The body Swagger UI prefills: the operation's example, else each property's example (default, else nothing). */
export function sample(schema: Schema | undefined, doc: OpenApiDoc): unknown {
  if (!schema) return undefined;
  if (schema.$ref) return sample(doc.components.schemas[schema.$ref.split('/').pop()!], doc);
  if (schema.example !== undefined) return schema.example;
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => sample(s, doc)));
  if (schema.properties) {
    return Object.fromEntries(Object.entries(schema.properties).map(([name, prop]) => [name, sample(prop, doc)]).filter(([, v]) => v !== undefined));
  }
  if (schema.type === 'array') return [sample(schema.items, doc)];
  return schema.default;
}

/** What a person changes before pressing Execute: path or query parameters, and body fields. */
export interface Edits {
  params?: Record<string, string>;
  body?: Record<string, unknown>;
}

/**
 * `/docs` in development as a person uses it, without a browser: each `execute` is "Try it out" on the prefilled
 * example, the person's edits, then "Execute", sent through the page's own request interceptor
 * (`prepareRequest` of src/dev/swagger-signing.ts: signatures, fresh Idempotency-Keys, "Retry last") with the
 * prefilled admin token.
 */
export class SwaggerPage {
  /** The "Retry last" checkbox. */
  retryLast = false;
  private readonly signer = createPageSigner();
  private readonly keys: DevSigningKeys = { partnerKey: DEV_PARTNER_SIGN_KEY, mallAppId: DEMO_MALL_APP_ID, mallSecret: DEMO_MALL_SECRET, idempotencyKeyExample: IDEMPOTENCY_KEY_EXAMPLE };
  private readonly sent: SentRequests = {};

  private constructor(
    private readonly http: TestAgent,
    readonly doc: OpenApiDoc,
  ) {}

  static async open(http: TestAgent): Promise<SwaggerPage> {
    return new SwaggerPage(http, (await http.get('/docs-json').expect(200)).body);
  }

  /** The body the operation's "Try it out" prefills. */
  prefilledBody(route: string): Record<string, unknown> {
    const media = this.operation(route).requestBody!.content['application/json'];
    return (media.example ?? sample(media.schema, this.doc)) as Record<string, unknown>;
  }

  async execute(route: string, edits: Edits = {}): Promise<Response> {
    const [method, template] = route.split(' ');
    const op = this.operation(route);
    let path = template;
    const query: Record<string, string> = {};
    const headers: Record<string, string> = {};
    for (const p of op.parameters ?? []) {
      const value = edits.params?.[p.name] ?? p.example ?? p.schema?.example;
      if (value === undefined) throw new Error(`${route}: nothing prefills ${p.name}`);
      if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(String(value)));
      else if (p.in === 'header') headers[p.name] = String(value);
      else query[p.name] = String(value);
    }
    if (template.startsWith('/admin/')) headers.Authorization = `Bearer ${DEV_ADMIN_TOKEN}`;
    let body: string | undefined;
    if (op.requestBody) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify({ ...this.prefilledBody(route), ...edits.body });
    }
    const req = this.signer.prepareRequest({ method, body, headers }, path, this.keys, this.sent, {
      retryLast: this.retryLast,
      nowSeconds: Math.floor(Date.now() / 1000),
      random: () => randomBytes(8).toString('hex'),
    });
    const call = method === 'GET' ? this.http.get(path) : method === 'DELETE' ? this.http.delete(path) : this.http.post(path);
    const pending = call.query(query).set(req.headers);
    return req.body === undefined ? pending : pending.send(req.body as string);
  }

  private operation(route: string): Operation {
    const [method, template] = route.split(' ');
    const op = this.doc.paths[template]?.[method.toLowerCase()];
    if (!op) throw new Error(`/docs has no ${route}`);
    return op;
  }
}
