import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  OperationObject,
  PathItemObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
  SecuritySchemeObject,
  TagObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { errorBody, familyOfPath } from '../common/envelope/envelopes';
import { AppError, ErrorCode, RateLimitedError } from '../common/errors/app-error';
import { malformedBody } from '../common/http/body-parsers';
import { OVERLOAD_MSG } from '../common/http/load-shedding';
import { errorEnvelopeSchema } from '../common/swagger/api-responses';

/**
 * The parts of the document that generated clients and linters read beyond what the decorators give: caller-named
 * operationIds and tags, the security schemes, the transport answers every operation can get (429, 503), and the
 * encoding of form bodies.
 */

/** operationId prefix per controller, named for the caller's view (`partnerOrderPay`, `mallOrderCreate`). */
const OPERATION_PREFIX: Record<string, string> = {
  PartnerOrderController: 'partnerOrder',
  MallOrderController: 'mallOrder',
  CashierController: 'cashier',
  PartnerAdminController: 'adminPartner',
  MallAdminController: 'adminMall',
  PaymentsAdminController: 'adminPayments',
  AlipayNotifyController: 'alipay',
  AlipaySandboxController: 'devAlipay',
};

/** `PartnerOrderController.pay` → `partnerOrderPay` unless the operation names itself; other controllers by their name. */
export function operationIdOf(controllerKey: string, methodKey: string): string {
  const prefix = OPERATION_PREFIX[controllerKey] ?? lowerFirst(controllerKey.replace(/Controller$/, ''));
  return `${prefix}${methodKey.charAt(0).toUpperCase()}${methodKey.slice(1)}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Tags, one per kind of caller, in the order Swagger UI shows them. */
export const TAGS: TagObject[] = [
  { name: 'partner', description: '合伙人 App 礼包支付 / The partner app (Android, iOS, H5): gift-pack payments. Partner signature (`partnerSignature`), optional user token.' },
  { name: 'mall', description: '商城开放接口 / Merchant integrations: YunShop-style mall orders. Mall signature (`mallSignature`), per app.' },
  { name: 'cashier', description: '收银台 / The buyer\'s browser: the page behind `pay_link` and its Alipay button.' },
  { name: 'admin-partner', description: '合伙人运营 / Operators: partner users, wallets, gift packs, coupons, shipping and refunds. `Authorization: Bearer <ADMIN_TOKEN>`.' },
  { name: 'admin-mall', description: '商城运营 / Operators: mall apps, stores, goods, members, coupons, shipping, merchant notifications. Bearer token.' },
  { name: 'admin-payments', description: '支付单 / Operators: payments that came for closed orders, and their refunds. Bearer token.' },
  { name: 'alipay', description: '支付宝异步通知 / Alipay: asynchronous payment notifications, verified by Alipay\'s RSA2 signature.' },
  { name: 'health', description: '健康检查 / Probes and monitors.' },
  { name: 'dev-alipay-sandbox', description: '开发用支付宝沙箱 / Development only: the local Alipay gateway (`ALIPAY_MODE=sandbox`).' },
];

const PARTNER_SIGNING =
  'Partner scheme (SPEC §3, WeChat Pay v2 style): take every body and query parameter except `sign`; drop null, undefined and ""; ' +
  'numbers as `String(n)`, booleans as `true`/`false`, arrays and objects as compact JSON; sort keys by code point, join as `k=v&k=v`, ' +
  'append `&key=<PARTNER_SIGN_KEY>`; `sign` = lowercase hex `md5(string)`, or `hmac_sha256(key, string)` with `sign_type=HMAC-SHA256`. ' +
  '`sign` travels with the other parameters, in the body as a rule (the query string is accepted too).';
const MALL_SIGNING =
  'Mall scheme (SPEC §3, YunShop open API): take every body and query parameter except `sign` (`sign_type` included; null as "", ' +
  'empty values kept); arrays and objects as compact JSON; sort keys by code point, join as `k=v&k=v`; ' +
  '`sign` = `upper(md5(string + "&secret=" + app_secret))`, or lowercase hex `hmac_sha256(app_secret, string)` with `sign_type=SHA256`. ' +
  '`app_id` names the merchant app. `sign` travels with the other parameters, in the body as a rule (the query string is accepted too).';

export const SECURITY_SCHEMES: Record<string, SecuritySchemeObject> = {
  admin: { type: 'http', scheme: 'bearer', description: '`Authorization: Bearer <ADMIN_TOKEN>` (operators).' },
  partnerSignature: {
    type: 'apiKey',
    in: 'query',
    name: 'sign',
    description: PARTNER_SIGNING,
    'x-signature': { parameter: 'sign', algorithms: ['MD5', 'HMAC-SHA256'], secret: 'PARTNER_SIGN_KEY', canonical: 'sorted k=v&k=v of all parameters but sign, empty ones dropped, + &key=<secret>' },
  } as SecuritySchemeObject,
  mallSignature: {
    type: 'apiKey',
    in: 'query',
    name: 'sign',
    description: MALL_SIGNING,
    'x-signature': { parameter: 'sign', algorithms: ['MD5', 'SHA256'], secret: 'app_secret of app_id', canonical: 'sorted k=v&k=v of all parameters but sign, empty ones kept' },
  } as SecuritySchemeObject,
  partnerUserToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'The partner user\'s JWT from the partner\'s login service (`sub` = `user_id`). Required when `PARTNER_USER_TOKEN=required` ' +
      '(the production default), optional otherwise; when sent it must be valid and match `user_id`.',
  },
};

const RETRY_AFTER = { description: '重试前等待的秒数 / seconds to wait before retrying', schema: { type: 'integer', minimum: 1 }, example: 1 };

/** The answers any request can get from the transport, whatever its route. */
function transportResponse(path: string, status: 429 | 503): ResponseObject {
  const family = familyOfPath(path);
  const error = status === 429 ? new RateLimitedError() : new AppError(ErrorCode.Internal, OVERLOAD_MSG, { request_id: 'b3f1c2d4e5a60718' }, 503);
  return {
    description:
      status === 429
        ? '42901: 请求过于频繁 / rate limited (RATE_LIMIT_PER_MINUTE per caller, or failed signatures per client IP); retry after Retry-After'
        : '50001: 服务繁忙或数据库不可用 / overloaded (load shedding) or the database unavailable; retry after Retry-After',
    headers: { 'Retry-After': RETRY_AFTER },
    content: { 'application/json': { schema: errorEnvelopeSchema(family), example: exampleOf(family, error) } },
  };
}

/** The body an error is answered with, in the path's envelope: the document's examples come from the errors themselves. */
function exampleOf(family: ReturnType<typeof familyOfPath>, error: AppError): object {
  return errorBody(family, { code: error.code, msg: error.message, errors: error.errors });
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

function operations(doc: OpenAPIObject): Array<{ path: string; op: OperationObject }> {
  return Object.entries(doc.paths).flatMap(([path, item]: [string, PathItemObject]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ path, op: item[m] as OperationObject })),
  );
}

/** The body parser's refusal (SPEC §1: unparsable, too deep or too large), in the path's envelope whatever the route. */
function unreadableBody(path: string): ResponseObject {
  const family = familyOfPath(path);
  return {
    description: '40001: 请求体无法解析、嵌套过深或过大 / the body is unparsable, nested deeper than 20 levels or too large',
    content: {
      'application/json': {
        schema: errorEnvelopeSchema(family),
        example: exampleOf(family, malformedBody()),
      },
    },
  };
}

/**
 * 503 on every operation (load shedding answers before any route: SPEC §11), 429 wherever a caller is counted (every
 * signed or admin route, whose guards run the rate limiter, and the pages that count 404s per client address), each
 * with `Retry-After`; 400 wherever a body is read; `security: []` on the public operations, so that "no security" is
 * said, not forgotten.
 */
export function addTransportContract(doc: OpenAPIObject): OpenAPIObject {
  for (const { path, op } of operations(doc)) {
    op.security ??= [];
    if (op.requestBody && !op.responses['400']) op.responses['400'] = unreadableBody(path);
    const counted = op.security.length > 0 || op.responses['429'] !== undefined;
    if (counted) op.responses['429'] = mergeStatus(transportResponse(path, 429), op.responses['429']);
    op.responses['503'] = mergeStatus(transportResponse(path, 503), op.responses['503']);
  }
  return doc;
}

/** An operation's own 429 or 503 (a route-specific reason) keeps its content; the transport's description and header join. */
function mergeStatus(transport: ResponseObject, own: ResponseObject | ReferenceObject | undefined): ResponseObject {
  if (!own || !('description' in own)) return transport;
  return { ...transport, ...own, description: `${own.description}; ${transport.description}`, headers: { ...transport.headers, ...own.headers } };
}

/**
 * Form bodies nest (`goods[0][goods_id]=164`, SPEC §1): each object or list field of a form body is declared
 * `deepObject`, exploded, so a generator serialises it as the server parses it instead of `goods=[object Object]`.
 */
export function addFormEncoding(doc: OpenAPIObject): OpenAPIObject {
  const schemas = (doc.components?.schemas ?? {}) as Record<string, SchemaObject>;
  const resolve = (schema: SchemaObject | ReferenceObject | undefined): SchemaObject | undefined =>
    schema && '$ref' in schema ? resolve(schemas[schema.$ref.split('/').pop()!]) : schema;
  const nests = (schema: SchemaObject | ReferenceObject | undefined): boolean => {
    if (schema && '$ref' in schema) return true;
    return !!schema && (schema.type === 'object' || schema.type === 'array' || [...(schema.oneOf ?? []), ...(schema.allOf ?? [])].some(nests));
  };
  for (const { op } of operations(doc)) {
    const body = op.requestBody && 'content' in op.requestBody ? op.requestBody : undefined;
    const form = body?.content['application/x-www-form-urlencoded'];
    if (!form) continue;
    const properties = collectProperties(resolve(form.schema), resolve);
    const encoding: Record<string, { style: 'deepObject'; explode: true }> = {};
    for (const [name, property] of Object.entries(properties)) {
      if (nests(property)) encoding[name] = { style: 'deepObject', explode: true };
    }
    if (Object.keys(encoding).length > 0) (form as { encoding?: object }).encoding = encoding;
  }
  return doc;
}

function collectProperties(
  schema: SchemaObject | undefined,
  resolve: (s: SchemaObject | ReferenceObject | undefined) => SchemaObject | undefined,
): Record<string, SchemaObject | ReferenceObject> {
  if (!schema) return {};
  const inherited = (schema.allOf ?? []).map((part) => collectProperties(resolve(part), resolve));
  return Object.assign({}, ...inherited, schema.properties ?? {});
}
