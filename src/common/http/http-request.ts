import type { FastifyReply, FastifyRequest } from 'fastify';

/** A request as guards, filters and controllers see it (Fastify's, under Nest's Fastify adapter). */
export type HttpRequest = FastifyRequest;
/** A response as filters and the few controllers that write their own answer (`@Res()`) see it. */
export type HttpReply = FastifyReply;

/** A request header by its lower-case name; undefined when absent. */
export function headerOf(req: HttpRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The path without the query string, as the client sent it (of Fastify's request or Node's own). */
export function pathOf(req: { url?: string }): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The pattern of the route that matched (`/admin/partner/users/:id`); undefined when none did. */
export function routeOf(req: HttpRequest): string | undefined {
  return req.is404 ? undefined : req.routeOptions.url;
}
