import type { FastifyInstance, FastifyRequest } from 'fastify';
import { familyOfPath } from '../envelope/envelopes';
import { FieldErrors, InvalidParamsError } from '../errors/app-error';
import { pathOf } from '../http/http-request';
import { bodyTooDeep, MAX_BODY_DEPTH, nestsDeeperThan } from './body-depth';

/**
 * What a parameter name may hold (SPEC §1): without `&` and `=` no two parameter sets share one canonical string.
 * Brackets are the form syntax of nested keys; a name left with one after parsing is still unambiguous.
 */
const NAME = /^[A-Za-z0-9_.\-[\]]+$/;

/**
 * Names an object inherits (`constructor`, `hasOwnProperty`, `__proto__`, ...): class-validator's whitelist looks a
 * name up in a plain object, so these would pass it as if a DTO declared them.
 */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

type Params = Record<string, unknown>;

const isParams = (value: unknown): value is Params => typeof value === 'object' && value !== null && !Array.isArray(value);

const refused = (name: string, message: string) => new InvalidParamsError({ [name]: message } as FieldErrors);

/** The first key, at any depth, that no parameter may be named; undefined when every key is fine. */
function badParameterName(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
      continue;
    }
    for (const [key, child] of Object.entries(node)) {
      if (!NAME.test(key) || INHERITED.has(key)) return key;
      stack.push(child);
    }
  }
  return undefined;
}

/**
 * The body and the query string are one set of parameters, as both are signed (SPEC §3): on a request that carries
 * a body, the query's parameters join it, so the route's DTO takes each one or refuses it. A name in both is refused.
 */
function mergeQueryIntoBody(request: FastifyRequest): void {
  const query = request.query as Params;
  const names = Object.keys(query);
  if (names.length === 0) return;
  if (request.body === undefined) {
    request.body = { ...query };
    return;
  }
  if (!isParams(request.body)) throw refused(names[0], `${names[0]} 是不支持的参数`);
  const body = request.body;
  const twice = names.find((name) => Object.prototype.hasOwnProperty.call(body, name));
  if (twice !== undefined) throw refused(twice, `${twice} 不能同时出现在查询串和请求体中`);
  request.body = { ...query, ...body };
}

/**
 * The mall scheme signs `null` as `""`, so they are one value (SPEC §1): `null` is read as `""`, which each field
 * then takes or refuses. YunShop's `route`, signed, must name the route called: `order.create` or `/order/create`.
 */
function readMallParams(request: FastifyRequest): void {
  const body = request.body;
  if (!isParams(body)) return;
  for (const [name, value] of Object.entries(body)) if (value === null) body[name] = '';
  const route = body.route;
  if (route === undefined || route === '') return;
  const path = request.routeOptions.url ?? '';
  if (route !== path && route !== path.slice(1).replace(/\//g, '.')) throw refused('route', 'route 与请求的接口不符');
}

/**
 * SPEC §1, right after the body parsers and before any guard, pipe or handler: bodies and queries nest at most
 * MAX_BODY_DEPTH levels, parameter names are plain, the query joins the body, and the mall family's own rules.
 */
export function addParameterChecks(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request, _reply, done) => {
    if (nestsDeeperThan(request.body, MAX_BODY_DEPTH) || nestsDeeperThan(request.query, MAX_BODY_DEPTH)) return done(bodyTooDeep());
    const badName = badParameterName(request.query) ?? badParameterName(request.body);
    if (badName !== undefined) return done(refused(badName, '参数名不合法'));
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') mergeQueryIntoBody(request);
      if (familyOfPath(request.routeOptions.url ?? pathOf(request)) === 'mall') readMallParams(request);
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
}
