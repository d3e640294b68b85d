import type { ErrorDescription } from '../errors/describe-error';

/** The two wire envelopes of SPEC §2. */
export type ApiFamily = 'partner' | 'mall';

export const DEFAULT_SUCCESS_MSG: Record<ApiFamily, string> = { partner: '操作成功', mall: '成功' };

export function successBody(family: ApiFamily, data: unknown, msg = DEFAULT_SUCCESS_MSG[family]): object {
  const payload = data ?? {};
  return family === 'partner' ? { code: 1, errors: {}, msg, result: payload } : { result: 1, msg, data: payload };
}

export function errorBody(family: ApiFamily, error: Pick<ErrorDescription, 'code' | 'msg' | 'errors'>): object {
  return family === 'partner'
    ? { code: error.code, errors: error.errors, msg: error.msg, result: {} }
    : { result: 0, msg: error.msg, data: { code: error.code, errors: error.errors } };
}

/** Requests that reach no controller (unknown route, unparsable body) pick their envelope by path. */
export function familyOfPath(path: string): ApiFamily {
  return /^\/order(\/|$)/.test(path) ? 'mall' : 'partner';
}
