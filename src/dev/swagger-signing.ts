/**
 * Signing of Swagger UI's "Try it out" requests in development, in the page itself.
 *
 * `createPageSigner` and `installPageSigning` are serialized into the page with `Function.prototype.toString`,
 * so each must be self-contained: no imports, no references outside its own body. MD5 and HMAC-SHA256 are
 * written out in plain JavaScript because WebCrypto (`crypto.subtle`) exists only in secure contexts (https or
 * localhost): a page opened at `http://<shared dev server>:3000/docs` has none. The same code signs the
 * requests of the examples and README tests in Node (test/docs/), so what the page sends is tested.
 */

export interface DevSigningKeys {
  partnerKey: string;
  mallAppId: string;
  mallSecret: string;
  /** The HS256 secret the page mints partner user tokens with (SPEC §3); none: no token is sent. */
  userTokenSecret?: string;
  /** The `Idempotency-Key` Swagger prefills (the header's example): each Execute sends a fresh key in its place. */
  idempotencyKeyExample?: string;
}

/** A request as Swagger UI hands it to the request interceptor (the part the page changes). */
export interface PageRequest {
  method: string;
  body?: unknown;
  headers: Record<string, string>;
}

/** Each operation's (`POST /path`) last request as sent, for "Retry last". */
export type SentRequests = Record<string, { contentType: string; body: unknown; idempotencyKey?: string }>;

/** What one Execute may depend on besides the request: the "Retry last" switch, the clock, and randomness. */
export interface ExecuteContext {
  retryLast: boolean;
  nowSeconds: number;
  /** A new random token (16 hex digits) on every call. */
  random(): string;
}

/** `timestamp` and `nonce` a signed request gets: fresh ones for every Execute. */
export interface Freshness {
  timestamp: string;
  nonce: string;
}

export interface PageSigner {
  md5Hex(text: string): string;
  hmacSha256Hex(key: string, text: string): string;
  /** The signature scheme of a route (SPEC §3), or `''` for routes that are not signed. */
  schemeOf(method: string, path: string): 'partner' | 'mall' | '';
  /**
   * The body to send: the given JSON or `application/x-www-form-urlencoded` body with fresh `timestamp` and
   * `nonce`, the mall `app_id` when missing, and its `sign`; `null` when the body cannot be read (sent as is).
   */
  signBody(scheme: 'partner' | 'mall', contentType: string, body: string, keys: DevSigningKeys, fresh: Freshness): string | null;
  /** A partner user token (HS256 JWT, an hour long) for the `user_id` of a JSON or form body; `''` when it has none. */
  userToken(contentType: string, body: string, secret: string, nowSeconds: number): string;
  /**
   * What Execute sends (`path` without origin or query): every Execute is a new request, so a signed body gets a fresh
   * `timestamp`, `nonce` and `sign`, and an `Idempotency-Key` left at the prefilled example a fresh key; a key typed in
   * is sent as typed. With `retryLast`, the operation's previous request goes again unchanged (body and key), as a client
   * retries after a lost answer. `sent` remembers each operation's last request between calls.
   */
  prepareRequest(req: PageRequest, path: string, keys: DevSigningKeys, sent: SentRequests, context: ExecuteContext): PageRequest;
}

export function createPageSigner(): PageSigner {
  const utf8 = (text: string) => new TextEncoder().encode(text);
  const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

  /** The message, a 0x80 byte, zeros, and the bit length in 8 bytes: a whole number of 64-byte blocks. */
  function padded(message: Uint8Array, littleEndian: boolean): DataView {
    const length = (((message.length + 9 + 63) >> 6) << 6);
    const block = new Uint8Array(length);
    block.set(message);
    block[message.length] = 0x80;
    const view = new DataView(block.buffer);
    const bits = message.length * 8;
    const high = Math.floor(bits / 0x100000000);
    const low = bits >>> 0;
    if (littleEndian) {
      view.setUint32(length - 8, low, true);
      view.setUint32(length - 4, high, true);
    } else {
      view.setUint32(length - 8, high);
      view.setUint32(length - 4, low);
    }
    return view;
  }

  // RFC 1321: per-round shift amounts and the constants floor(abs(sin(i + 1)) * 2^32).
  const MD5_SHIFT = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  const MD5_K = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
  ];

  function md5(message: Uint8Array): Uint8Array {
    const view = padded(message, true);
    const state = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    for (let offset = 0; offset < view.byteLength; offset += 64) {
      let [a, b, c, d] = state;
      for (let i = 0; i < 64; i++) {
        const round = i >> 4;
        const f = round === 0 ? (b & c) | (~b & d) : round === 1 ? (d & b) | (~d & c) : round === 2 ? b ^ c ^ d : c ^ (b | ~d);
        const word = round === 0 ? i : round === 1 ? (5 * i + 1) % 16 : round === 2 ? (3 * i + 5) % 16 : (7 * i) % 16;
        const sum = (a + f + MD5_K[i] + view.getUint32(offset + word * 4, true)) | 0;
        const shift = MD5_SHIFT[round * 4 + (i % 4)];
        a = d;
        d = c;
        c = b;
        b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0;
      }
      state[0] = (state[0] + a) | 0;
      state[1] = (state[1] + b) | 0;
      state[2] = (state[2] + c) | 0;
      state[3] = (state[3] + d) | 0;
    }
    const out = new DataView(new ArrayBuffer(16));
    state.forEach((word, i) => out.setUint32(i * 4, word, true));
    return new Uint8Array(out.buffer);
  }

  // FIPS 180-4: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
  const SHA256_K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ];

  function sha256(message: Uint8Array): Uint8Array {
    const view = padded(message, false);
    const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
    const state = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    const w = new Array<number>(64);
    for (let offset = 0; offset < view.byteLength; offset += 64) {
      for (let t = 0; t < 16; t++) w[t] = view.getUint32(offset + t * 4);
      for (let t = 16; t < 64; t++) {
        const s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        const s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      let [a, b, c, d, e, f, g, h] = state;
      for (let t = 0; t < 64; t++) {
        const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA256_K[t] + w[t]) | 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      [a, b, c, d, e, f, g, h].forEach((x, i) => (state[i] = (state[i] + x) | 0));
    }
    const out = new DataView(new ArrayBuffer(32));
    state.forEach((word, i) => out.setUint32(i * 4, word));
    return new Uint8Array(out.buffer);
  }

  /** RFC 2104 with SHA-256 (64-byte blocks). */
  function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
    const block = new Uint8Array(64);
    block.set(key.length > 64 ? sha256(key) : key);
    const inner = new Uint8Array(64 + message.length);
    const outer = new Uint8Array(64 + 32);
    for (let i = 0; i < 64; i++) {
      inner[i] = block[i] ^ 0x36;
      outer[i] = block[i] ^ 0x5c;
    }
    inner.set(message, 64);
    outer.set(sha256(inner), 64);
    return sha256(outer);
  }

  const md5Hex = (text: string) => hex(md5(utf8(text)));
  const hmacSha256Hex = (key: string, text: string) => hex(hmacSha256(utf8(key), utf8(text)));

  type Params = Record<string, unknown>;
  const valueText = (value: unknown) =>
    typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  const joinSorted = (entries: Array<[string, string]>) =>
    entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');

  /** SPEC §3, as src/common/signature/partner-signature.ts and mall-signature.ts compute it on the server. */
  function sign(scheme: 'partner' | 'mall', params: Params, keys: DevSigningKeys): string {
    const entries: Array<[string, string]> = [];
    for (const [key, value] of Object.entries(params)) {
      if (key === 'sign' || value === undefined || (scheme === 'mall' && key === 'i')) continue;
      if (scheme === 'partner' && (value === null || value === '')) continue;
      entries.push([key, value === null ? '' : valueText(value)]);
    }
    const text = joinSorted(entries);
    if (scheme === 'partner') {
      const full = `${text}&key=${keys.partnerKey}`;
      return params.sign_type === 'HMAC-SHA256' ? hmacSha256Hex(keys.partnerKey, full) : md5Hex(full);
    }
    return params.sign_type === 'SHA256' ? hmacSha256Hex(keys.mallSecret, text) : md5Hex(`${text}&secret=${keys.mallSecret}`).toUpperCase();
  }

  /** Form keys as the server's parser (qs) reads them: `goods[0][goods_id]=164` becomes nested arrays and objects. */
  function parseForm(form: URLSearchParams): Params {
    const params: Params = {};
    form.forEach((value, name) => {
      const path = name.replace(/\]/g, '').split('[');
      let node = params as Record<string, unknown>;
      for (let i = 0; i < path.length - 1; i++) {
        if (node[path[i]] === undefined) node[path[i]] = /^\d*$/.test(path[i + 1]) ? [] : {};
        node = node[path[i]] as Record<string, unknown>;
      }
      const last = path[path.length - 1];
      if (last === '' && Array.isArray(node)) node.push(value);
      else if (typeof node[last] === 'string') node[last] = [node[last], value];
      else if (Array.isArray(node[last])) (node[last] as unknown[]).push(value);
      else node[last] = value;
    });
    return params;
  }

  function schemeOf(method: string, path: string): 'partner' | 'mall' | '' {
    if (method.toUpperCase() !== 'POST') return '';
    if (path.startsWith('/app/partner/')) return 'partner';
    return /^\/order\/(pre|create|detail|close|refund)$/.test(path) ? 'mall' : '';
  }

  function signBody(scheme: 'partner' | 'mall', contentType: string, body: string, keys: DevSigningKeys, fresh: Freshness): string | null {
    const form = /application\/x-www-form-urlencoded/i.test(contentType);
    const extra: Params = { timestamp: fresh.timestamp, nonce: fresh.nonce };
    if (form) {
      const fields = new URLSearchParams(body);
      if (scheme === 'mall' && !fields.get('app_id')) extra.app_id = keys.mallAppId;
      for (const [key, value] of Object.entries(extra)) fields.set(key, String(value));
      fields.delete('sign');
      fields.set('sign', sign(scheme, parseForm(fields), keys));
      return fields.toString();
    }
    let params: Params;
    try {
      params = body.trim() === '' ? {} : JSON.parse(body);
    } catch {
      return null;
    }
    if (!params || typeof params !== 'object' || Array.isArray(params)) return null;
    if (scheme === 'mall' && !params.app_id) extra.app_id = keys.mallAppId;
    const signed: Params = { ...params, ...extra };
    delete signed.sign;
    signed.sign = sign(scheme, signed, keys);
    return JSON.stringify(signed);
  }

  function userToken(contentType: string, body: string, secret: string, nowSeconds: number): string {
    let userId: unknown;
    try {
      userId = /application\/x-www-form-urlencoded/i.test(contentType) ? new URLSearchParams(body).get('user_id') : JSON.parse(body).user_id;
    } catch {
      return '';
    }
    if ((typeof userId !== 'string' && typeof userId !== 'number') || userId === '') return '';
    const base64url = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join('')).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const part = (value: object) => base64url(utf8(JSON.stringify(value)));
    const data = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: String(userId), iat: nowSeconds, exp: nowSeconds + 3600 })}`;
    return `${data}.${base64url(hmacSha256(utf8(secret), utf8(data)))}`;
  }

  function prepareRequest(req: PageRequest, path: string, keys: DevSigningKeys, sent: SentRequests, context: ExecuteContext): PageRequest {
    const headerNamed = (name: string) => Object.keys(req.headers).find((h) => h.toLowerCase() === name);
    const scheme = schemeOf(req.method, path);
    const keyHeader = headerNamed('idempotency-key');
    const signs = scheme !== '' && typeof req.body === 'string';
    if (!signs && !keyHeader) return req;
    const contentType = req.headers[headerNamed('content-type') ?? ''] ?? 'application/json';
    const operation = `${req.method.toUpperCase()} ${path}`;
    const previous = sent[operation];
    if (context.retryLast && previous && previous.contentType === contentType) {
      req.body = previous.body;
      if (keyHeader && previous.idempotencyKey) req.headers[keyHeader] = previous.idempotencyKey;
    } else {
      if (signs) {
        const body = signBody(scheme as 'partner' | 'mall', contentType, req.body as string, keys, { timestamp: String(context.nowSeconds), nonce: context.random() });
        if (body === null) return req;
        req.body = body;
      }
      if (keyHeader && req.headers[keyHeader] === keys.idempotencyKeyExample) req.headers[keyHeader] = `swagger-${context.random()}`;
      sent[operation] = { contentType, body: req.body, idempotencyKey: keyHeader ? req.headers[keyHeader] : undefined };
    }
    const token = scheme === 'partner' && keys.userTokenSecret ? userToken(contentType, String(req.body), keys.userTokenSecret, context.nowSeconds) : '';
    if (token) req.headers.Authorization = `Bearer ${token}`;
    return req;
  }

  return { md5Hex, hmacSha256Hex, schemeOf, signBody, userToken, prepareRequest };
}

/** The page's part: the request interceptor, the "retry last" switch and the explanation above the operations. */
export function installPageSigning(signer: PageSigner, keys: DevSigningKeys): void {
  const page = window as unknown as {
    location: { href: string; origin: string };
    document: { body: unknown; readyState: string; createElement(tag: string): any; getElementById(id: string): any; addEventListener(e: string, f: () => void): void };
    crypto?: { getRandomValues(a: Uint8Array): Uint8Array };
    __opsSignRequest?: (req: SwaggerRequest) => SwaggerRequest;
  };
  type SwaggerRequest = { url: string; method: string; body?: unknown; headers: Record<string, string> };
  const sent: SentRequests = {};

  const random = () => {
    const bytes = new Uint8Array(8);
    if (page.crypto?.getRandomValues) page.crypto.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  };
  const retryLast = () => Boolean(page.document.getElementById('ops-retry-last')?.checked);

  page.__opsSignRequest = (req) => {
    const url = new URL(req.url, page.location.href);
    // Requests go to the address this page was opened at: the document's server (PUBLIC_BASE_URL) may name
    // localhost, which from another machine is not this service, and a cross-origin call would be refused.
    if (url.origin !== page.location.origin) req.url = `${page.location.origin}${url.pathname}${url.search}`;
    signer.prepareRequest(req, url.pathname, keys, sent, { retryLast: retryLast(), nowSeconds: Math.floor(Date.now() / 1000), random });
    return req;
  };

  const panel = () => {
    if (page.document.getElementById('ops-signing')) return;
    const box = page.document.createElement('div');
    box.id = 'ops-signing';
    box.setAttribute('style', 'font-family:sans-serif;font-size:14px;line-height:1.5;background:#fffbe6;border-bottom:1px solid #e8d48b;padding:10px 20px');
    box.innerHTML = [
      '<b>Development signing / 开发环境自动签名.</b> "Try it out" signs partner and mall requests in this page with the development keys ',
      '(MD5 or HMAC-SHA256 as <code>sign_type</code> asks, computed in plain JavaScript, so it works on plain http at any address), ',
      'JSON and form bodies alike; whatever is in <code>sign</code> is replaced. Requests go to the address this page was opened at. ',
      'Every Execute gets the current <code>timestamp</code> and a new random <code>nonce</code>, so it is a <b>new request</b>: ',
      'Execute twice on <code>/app/partner/order/pay</code> and you buy twice. Likewise an <code>Idempotency-Key</code> left at its example ',
      `(<code>${keys.idempotencyKeyExample ?? ''}</code>) is sent as a fresh key each time, so a second refund is a new refund; a key you type is sent as typed. `,
      '<label style="display:block;margin-top:4px"><input type="checkbox" id="ops-retry-last"> <b>Retry last</b>: Execute sends the previous request of the same ',
      'operation again unchanged (same body, nonce, timestamp, sign and <code>Idempotency-Key</code>), as a client retries after a lost answer: the service returns the ',
      'original response and makes no second order, charge or refund (SPEC §3). Works within the 300 s timestamp window.</label>',
    ].join('');
    const body = page.document.body as { insertBefore(node: unknown, ref: unknown): void; firstChild: unknown };
    body.insertBefore(box, body.firstChild);
  };
  if (page.document.readyState === 'loading') page.document.addEventListener('DOMContentLoaded', panel);
  else panel();
}

/** Swagger UI's `requestInterceptor`; the page's script has defined `__opsSignRequest` before the UI starts. */
export function signSwaggerRequest(req: unknown): unknown {
  const signing = (window as unknown as { __opsSignRequest?: (r: unknown) => unknown }).__opsSignRequest;
  return signing ? signing(req) : req;
}

declare const window: unknown;
