import { HttpException } from '@nestjs/common';
import { driverCode, isConnectionFailure, isOverload } from '../../database/db-errors';
import { AppError, ErrorCode, FieldErrors } from './app-error';

export interface ErrorDescription {
  httpStatus: number;
  code: ErrorCode;
  msg: string;
  errors: FieldErrors;
  /** Unexpected failures are logged with their stack; expected ones are not. */
  unexpected: boolean;
  /** A 503 that comes in floods (the pool's queue is full, or no connection came in time): counted, not logged one by one. */
  overload?: boolean;
}

/** Maps anything thrown into the fields both envelopes are built from. */
export function describeError(exception: unknown, requestId: string): ErrorDescription {
  if (exception instanceof AppError) {
    const errors = exception.code === ErrorCode.Internal ? { ...exception.errors, request_id: requestId } : exception.errors;
    return { httpStatus: exception.httpStatus, code: exception.code, msg: exception.message, errors, unexpected: false };
  }
  // Fastify's own 4xx refusals of a request (FST_ERR_*): the client's, never a 500. The body parsers
  // (common/http/body-parsers.ts) throw AppErrors of their own.
  const { code: fastifyCode, statusCode } = (exception ?? {}) as { code?: unknown; statusCode?: unknown };
  if (typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_') && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return statusCode === 413
      ? { httpStatus: 400, code: ErrorCode.InvalidParams, msg: '请求体过大', errors: { body: '请求体过大' }, unexpected: false }
      : { httpStatus: 400, code: ErrorCode.InvalidParams, msg: '请求体格式错误', errors: { body: '无法解析请求体' }, unexpected: false };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) {
      return { httpStatus: 404, code: ErrorCode.NotFound, msg: '接口不存在', errors: {}, unexpected: false };
    }
    if (status === 401 || status === 403) {
      return { httpStatus: 401, code: ErrorCode.BadSignature, msg: '未授权', errors: {}, unexpected: false };
    }
    if (status === 429) {
      return { httpStatus: 429, code: ErrorCode.RateLimited, msg: '请求过于频繁', errors: {}, unexpected: false };
    }
    // Our own code throws AppError only (validation included), so a framework 400 is Nest's answer to a request it
    // could not decode (a SyntaxError or URIError).
    if (status === 400) {
      return { httpStatus: 400, code: ErrorCode.InvalidParams, msg: '请求体格式错误', errors: { body: '无法解析请求体（JSON 或表单格式错误）' }, unexpected: false };
    }
    if (status >= 400 && status < 500) {
      return { httpStatus: 400, code: ErrorCode.InvalidParams, msg: '参数错误', errors: {}, unexpected: false };
    }
  }
  if (isOverload(exception)) {
    // A full queue is the instance's own load; a connection that did not come in time may also be a database gone.
    const msg = driverCode(exception) === 'DB_BUSY' ? '服务繁忙' : '服务暂不可用，请稍后重试';
    return { httpStatus: 503, code: ErrorCode.Internal, msg, errors: { request_id: requestId }, unexpected: false, overload: true };
  }
  if (isConnectionFailure(exception)) {
    return { httpStatus: 503, code: ErrorCode.Internal, msg: '服务暂不可用，请稍后重试', errors: { request_id: requestId }, unexpected: true };
  }
  return { httpStatus: 500, code: ErrorCode.Internal, msg: '服务器内部错误', errors: { request_id: requestId }, unexpected: true };
}
