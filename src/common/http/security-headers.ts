import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pathOf } from './http-request';

/**
 * The server-rendered pages (cashier, Alipay sandbox) run no script and load nothing: their one `<style>` element
 * is inline and their only form posts back to the service. A page that needs more says so with its own policy (the
 * cashier's button is redirected on to Alipay's gateway), which this one does not replace.
 */
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Swagger UI under /docs: its own files, the API it calls, and its inline styles (React sets `style` attributes). */
const DOCS = /^\/docs(\/|-json|$)/i;

function docsPolicy(html: string, apiOrigin: string): string {
  // The page's inline scripts (the development signer) are allowed by their hash: the page is built once at start
  // from configuration, never from a request, so nothing a client sends can add a script that passes.
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
  return [
    "default-src 'none'",
    `script-src 'self'${hashes.map((h) => ` ${h}`).join('')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self' ${apiOrigin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * What every answer of the API carries (SPEC §11): no content sniffing, and no copy kept by a browser or proxy (admin
 * data, partner users' names, phones and ID numbers, mall trades, the cashier page). Also for the answers written
 * before Fastify's hooks can run (the router's refusals).
 */
export const API_ANSWER_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' } as const;

/**
 * The browser-facing headers of every answer, set in this one place: API_ANSWER_HEADERS, Swagger UI's static files
 * apart (cacheable, `nosniff` only); a Content-Security-Policy on every HTML page.
 */
export function addSecurityHeaders(fastify: FastifyInstance, publicBaseUrl: string): void {
  const apiOrigin = new URL(publicBaseUrl).origin;
  let docs: { html: string; policy: string } | undefined;
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const isDocs = DOCS.test(pathOf(request));
    if (isDocs) reply.header('X-Content-Type-Options', API_ANSWER_HEADERS['X-Content-Type-Options']);
    else reply.headers(API_ANSWER_HEADERS);
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      if (isDocs && typeof payload === 'string') {
        if (docs?.html !== payload) docs = { html: payload, policy: docsPolicy(payload, apiOrigin) };
        reply.header('Content-Security-Policy', docs.policy);
      } else if (!isDocs && !reply.hasHeader('Content-Security-Policy')) {
        reply.header('Content-Security-Policy', PAGE_POLICY);
      }
    }
    done(null, payload);
  });
}
