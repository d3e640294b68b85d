/**
 * `npm run sign -- '<json params>' [--scheme partner|mall] [--path /route] [--base http://localhost:3000]`
 * Prints the canonical string, the sign and a ready curl command; for the partner scheme also a user token for the
 * `user_id` (an HS256 JWT, an hour long), sent as `Authorization: Bearer`. Keys come from the environment
 * (PARTNER_SIGN_KEY, PARTNER_USER_TOKEN_SECRET, MALL_APP_ID, MALL_APP_SECRET) or the documented development defaults. `--path` defaults to
 * partner pay or mall create; `--base` to PUBLIC_BASE_URL, else http://localhost:3000.
 */
import { createHmac } from 'node:crypto';
import { DEV_PARTNER_USER_TOKEN_SECRET } from '../src/config/app-config';
import { mallCanonical, mallSign } from '../src/common/signature/mall-signature';
import { partnerCanonical, partnerSign } from '../src/common/signature/partner-signature';

const DEFAULT_PATH = { partner: '/app/partner/order/pay', mall: '/order/create' } as const;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** A partner user token as the partner's login service issues one (SPEC §3). */
function userToken(userId: string, secret: string, nowSeconds: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const data = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: userId, iat: nowSeconds, exp: nowSeconds + 3600 })}`;
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`;
}

/** The command itself, writing through `print` and `fail`; returns the exit code (the README test runs it in-process). */
export function signCommand(argv: string[], env: Record<string, string | undefined>, print: (line: string) => void, fail: (line: string) => void): number {
  const json = argv.find((a) => a.trim().startsWith('{'));
  const scheme = (option(argv, 'scheme') ?? 'partner') as 'partner' | 'mall';
  if (!json || (scheme !== 'partner' && scheme !== 'mall')) {
    fail("usage: npm run sign -- '<json params>' [--scheme partner|mall] [--path /route] [--base URL]");
    return 2;
  }
  let params: Record<string, unknown>;
  try {
    params = JSON.parse(json);
  } catch (error) {
    fail(`not valid JSON: ${(error as Error).message}`);
    return 2;
  }
  delete params.sign;
  let canonical: string;
  let sign: string;
  let token = '';
  if (scheme === 'partner') {
    const key = env.PARTNER_SIGN_KEY ?? 'partner-dev-key';
    canonical = `${partnerCanonical(params)}&key=${key}`;
    sign = partnerSign(params, key);
    const userId = params.user_id;
    if (typeof userId === 'string' || typeof userId === 'number') {
      token = userToken(String(userId), env.PARTNER_USER_TOKEN_SECRET ?? DEV_PARTNER_USER_TOKEN_SECRET, Math.floor(Date.now() / 1000));
    }
  } else {
    params.app_id ??= env.MALL_APP_ID ?? '2022010600605642';
    const secret = env.MALL_APP_SECRET ?? 'mall-dev-secret';
    canonical = params.sign_type === 'SHA256' ? mallCanonical(params) : `${mallCanonical(params)}&secret=${secret}`;
    sign = mallSign(params, secret);
  }
  const body = JSON.stringify({ ...params, sign });
  const url = `${option(argv, 'base') ?? env.PUBLIC_BASE_URL ?? 'http://localhost:3000'}${option(argv, 'path') ?? DEFAULT_PATH[scheme]}`;
  print(`string: ${canonical}`);
  print(`sign:   ${sign}`);
  if (token) print(`token:  ${token}`);
  const authorization = token ? ` -H 'Authorization: Bearer ${token}'` : '';
  print(`curl -s -X POST '${url}' -H 'Content-Type: application/json'${authorization} -d '${body.replace(/'/g, "'\\''")}'`);
  return 0;
}

if (require.main === module) {
  process.exitCode = signCommand(process.argv.slice(2), process.env, (line) => console.log(line), (line) => console.error(line));
}
