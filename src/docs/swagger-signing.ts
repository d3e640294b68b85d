/**
 * Swagger UI's request interceptor for development: signs partner and mall requests in the browser
 * with the development key (HMAC-SHA256 through WebCrypto, since browsers have no MD5). Serialized with
 * `Function.prototype.toString` into the page, so it must be self-contained: no imports, no closures.
 */
declare const window: { location: { href: string }; __devSigning?: { partnerKey: string; mallAppId: string; mallSecret: string } };

export async function signSwaggerRequest(req: { url: string; method: string; body?: unknown; headers: Record<string, string> }) {
  const signing = window.__devSigning;
  const path = new URL(req.url, window.location.href).pathname;
  const scheme = path.startsWith('/app/partner/') ? 'partner' : /^\/order\/(pre|create|detail|close)$/.test(path) ? 'mall' : '';
  if (!signing || !scheme || req.method.toUpperCase() !== 'POST') return req;
  let params: Record<string, unknown> = {};
  if (typeof req.body === 'string' && req.body.trim() !== '') {
    try {
      params = JSON.parse(req.body);
    } catch {
      return req;
    }
  }
  delete params.sign;
  // The prefilled examples carry the seed's old timestamp and a fixed nonce: refresh them so Execute works every time.
  if ('timestamp' in params) params.timestamp = String(Math.floor(Date.now() / 1000));
  if ('nonce' in params) params.nonce = Math.random().toString(36).slice(2, 14);
  if (scheme === 'mall' && !params.app_id) params.app_id = signing.mallAppId;
  params.sign_type = scheme === 'partner' ? 'HMAC-SHA256' : 'SHA256';
  const text = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
  const entries = Object.keys(params)
    .filter((k) => (scheme === 'partner' ? params[k] !== null && params[k] !== undefined && params[k] !== '' : params[k] !== undefined))
    .sort()
    .map((k) => `${k}=${params[k] === null ? '' : text(params[k])}`);
  const key = scheme === 'partner' ? signing.partnerKey : signing.mallSecret;
  const base = entries.join('&') + (scheme === 'partner' ? `&key=${key}` : '');
  const encoder = new TextEncoder();
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(base)));
  params.sign = Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
  req.body = JSON.stringify(params);
  req.headers['Content-Type'] = 'application/json';
  return req;
}
