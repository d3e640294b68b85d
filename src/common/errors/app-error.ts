/**
 * Domain faults with the stable codes of SPEC §2. Services throw these, never `HttpException`;
 * the envelope filters map them to HTTP status and body.
 */
export type FieldErrors = Record<string, string>;

export const ErrorCode = {
  InvalidParams: 40001,
  BadSignature: 40101,
  Replay: 40102,
  UserToken: 40103,
  NotFound: 40401,
  Conflict: 40901,
  InsufficientFunds: 42201,
  CouponUnusable: 42202,
  OutOfStock: 42203,
  IllegalState: 42204,
  RefundExceeds: 42205,
  RateLimited: 42901,
  Internal: 50001,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  40001: 400,
  40101: 401,
  40102: 401,
  40103: 401,
  40401: 404,
  40901: 409,
  42201: 422,
  42202: 422,
  42203: 422,
  42204: 422,
  42205: 422,
  42901: 429,
  50001: 500,
};

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors: FieldErrors = {},
    /** Overrides the class's status, e.g. 503 for an unavailable database. */
    readonly httpStatus: number = HTTP_STATUS_OF[code],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidParamsError extends AppError {
  constructor(errors: FieldErrors, message = '参数错误') {
    super(ErrorCode.InvalidParams, message, errors);
  }
}

export class SignatureError extends AppError {
  constructor(message = '签名错误') {
    super(ErrorCode.BadSignature, message);
  }
}

export class ReplayError extends AppError {
  constructor(message: string) {
    super(ErrorCode.Replay, message);
  }
}

/** The partner user token is missing where required, invalid, expired, or names another `user_id`. */
export class UserTokenError extends AppError {
  constructor(message = '用户令牌无效') {
    super(ErrorCode.UserToken, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(ErrorCode.NotFound, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(ErrorCode.Conflict, message);
  }
}

export class InsufficientFundsError extends AppError {
  constructor(message = '余额不足') {
    super(ErrorCode.InsufficientFunds, message);
  }
}

export class CouponUnusableError extends AppError {
  constructor(message = '优惠券不可用') {
    super(ErrorCode.CouponUnusable, message);
  }
}

export class OutOfStockError extends AppError {
  constructor(message = '库存不足') {
    super(ErrorCode.OutOfStock, message);
  }
}

export class IllegalStateError extends AppError {
  constructor(message = '订单状态不允许此操作') {
    super(ErrorCode.IllegalState, message);
  }
}

export class RefundExceedsError extends AppError {
  constructor(message = '退款金额超出可退金额') {
    super(ErrorCode.RefundExceeds, message);
  }
}

/** The payment channel (Alipay) gave no usable answer, so nothing that depends on it was done: retry later (503). */
export class ChannelUnavailableError extends AppError {
  constructor(message = '支付渠道暂不可用，请稍后重试') {
    super(ErrorCode.Internal, message, {}, 503);
  }
}

export class RateLimitedError extends AppError {
  constructor() {
    super(ErrorCode.RateLimited, '请求过于频繁，请稍后重试');
  }
}

export class DatabaseUnavailableError extends AppError {
  constructor(errors: FieldErrors = {}) {
    super(ErrorCode.Internal, '服务暂不可用，请稍后重试', errors, 503);
  }
}

/** Retry later: a lock conflict that whole-transaction retries could not settle (load shedding answers 503 before Nest). */
export class ServiceBusyError extends AppError {
  constructor(message = '服务繁忙，请稍后重试') {
    super(ErrorCode.Internal, message, {}, 503);
  }
}
