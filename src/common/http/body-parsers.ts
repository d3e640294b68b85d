import type { Readable, Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { parse as parseQueryString } from 'qs';
import { AppError, InvalidParamsError } from '../errors/app-error';
import { bodyTooDeep, MAX_BODY_DEPTH } from '../validation/body-depth';
import { headerOf, HttpRequest } from './http-request';

/** The largest body read, counted after inflating (SPEC §1 keeps bodies small; past it 400 `请求体过大`). */
export const BODY_LIMIT_BYTES = 256 * 1024;
/** Form fields per body; more is refused like a body that is too large. */
const FORM_PARAMETER_LIMIT = 2000;

const INFLATERS: Record<string, () => Transform> = { gzip: createGunzip, deflate: createInflate, br: createBrotliDecompress };

const unreadable = () => new InvalidParamsError({ body: '无法解析请求体' }, '请求体格式错误');
/** A body that is not the JSON or form it says it is (also the OpenAPI document's example of the parser's 400). */
export const malformedBody = () => new InvalidParamsError({ body: '无法解析请求体（JSON 或表单格式错误）' }, '请求体格式错误');
const tooLarge = () => new InvalidParamsError({ body: '请求体过大' }, '请求体过大');

/**
 * The two body types of SPEC §1, read as the service always read them (Express's body-parser, whose rules are
 * kept): `Content-Encoding` gzip, deflate or br inflated; JSON only as an object or array, an empty body as `{}`;
 * forms through `qs`, nested keys (`goods[0][goods_id]`) into arrays and objects, keys nested deeper than the
 * depth limit refused; utf-8 (forms also iso-8859-1). A body of any other type is not read: the handler sees
 * none. Every refusal is 400 40001 in the path's envelope, and is answered once the body has been read off.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', async (req: HttpRequest, payload: Readable) => {
    const charset = charsetOf(req, 'utf-8');
    if (!charset.startsWith('utf-')) return refuse(payload, unreadable());
    return parseJson(decode(await readBody(req, payload), charset));
  });
  fastify.addContentTypeParser('application/x-www-form-urlencoded', async (req: HttpRequest, payload: Readable) => {
    const charset = charsetOf(req, 'utf-8');
    if (charset !== 'utf-8' && charset !== 'iso-8859-1') return refuse(payload, unreadable());
    return parseForm(decode(await readBody(req, payload), charset), charset);
  });
  fastify.addContentTypeParser('*', (_req: HttpRequest, _payload: Readable, done: (error: null, body: undefined) => void) => done(null, undefined));
}

function parseJson(text: string): unknown {
  if (text.length === 0) return {};
  const first = /^[\x20\x09\x0a\x0d]*(.?)/.exec(text)![1];
  if (first !== '{' && first !== '[') throw malformedBody();
  try {
    return JSON.parse(text);
  } catch {
    throw malformedBody();
  }
}

function parseForm(text: string, charset: 'utf-8' | 'iso-8859-1'): unknown {
  if (text.length === 0) return {};
  let fields = 1;
  for (let at = text.indexOf('&'); at !== -1; at = text.indexOf('&', at + 1)) {
    if (++fields > FORM_PARAMETER_LIMIT) throw tooLarge();
  }
  try {
    return parseQueryString(text, {
      allowPrototypes: true,
      arrayLimit: Math.max(100, fields),
      depth: MAX_BODY_DEPTH,
      charset,
      parameterLimit: FORM_PARAMETER_LIMIT,
      strictDepth: true,
    });
  } catch (error) {
    if (error instanceof RangeError) throw bodyTooDeep();
    throw error;
  }
}

function charsetOf(req: HttpRequest, fallback: string): string {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(headerOf(req, 'content-type') ?? '');
  return match ? match[1].toLowerCase() : fallback;
}

/** The body as text in its charset, without a byte order mark. */
function decode(body: Buffer, charset: string): string {
  let text: string;
  if (charset === 'utf-8') text = body.toString('utf8');
  else if (charset === 'iso-8859-1') text = body.toString('latin1');
  else {
    try {
      text = new TextDecoder(charset).decode(body);
    } catch {
      throw unreadable();
    }
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The whole body, inflated, at most `BODY_LIMIT_BYTES`. */
function readBody(req: HttpRequest, payload: Readable): Promise<Buffer> {
  const encoding = (headerOf(req, 'content-encoding') ?? 'identity').toLowerCase();
  const inflate = encoding === 'identity' ? undefined : INFLATERS[encoding]?.();
  if (encoding !== 'identity' && !inflate) return refuse(payload, unreadable());
  if (!inflate && Number(headerOf(req, 'content-length')) > BODY_LIMIT_BYTES) return refuse(payload, tooLarge());
  const source = inflate ? payload.pipe(inflate) : payload;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) stop(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    // A body that does not inflate, or a connection lost on the way.
    const onError = () => stop(unreadable());
    const stop = (error: AppError) => {
      source.off('data', onData).off('end', onEnd).off('error', onError);
      payload.off('error', onError);
      if (inflate) {
        payload.unpipe(inflate);
        inflate.destroy();
      }
      refuse(payload, error).catch(reject);
    };
    source.on('data', onData).on('end', onEnd).on('error', onError);
    if (inflate) payload.on('error', onError);
  });
}

/**
 * Reads off what is left of a refused body, then fails with `error`: answering while the client still sends
 * would make it see a reset connection instead of the answer.
 */
async function refuse(payload: Readable, error: AppError): Promise<never> {
  if (!payload.readableEnded && !payload.destroyed) {
    payload.resume();
    await finished(payload).catch(() => undefined);
  }
  throw error;
}
