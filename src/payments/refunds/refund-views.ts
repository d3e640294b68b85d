import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { InvalidParamsError } from '../../common/errors/app-error';
import { headerOf, HttpRequest } from '../../common/http/http-request';
import { fenToYuan } from '../../common/money';
import { sha256Hex } from '../../common/signature/hash';
import { formatWireTime } from '../../common/time';
import { Refund } from '../../database/entities/payments/refund.entity';
import { IDEMPOTENCY_KEY_PATTERN, RefundViewDto } from './refund.dto';

export function refundView(refund: Refund, timeZone: string): RefundViewDto {
  return {
    refund_no: refund.refundNo,
    out_trade_no: refund.outTradeNo,
    channel: refund.channel,
    amount: fenToYuan(refund.amount),
    reason: refund.reason,
    status: refund.status,
    fail_reason: refund.failReason,
    create_time: formatWireTime(refund.createdAt, timeZone),
    finish_time: formatWireTime(refund.finishedAt, timeZone),
  };
}

/**
 * An admin refund's `Idempotency-Key` (SPEC §3, §10), scoped to the route and the object it names, with the hash of
 * what the request asked; undefined without the header (each request is then a new refund).
 */
export function adminRefundKey(header: string | undefined, route: string, asked: object): { key: string; requestHash: string } | undefined {
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(header)) throw new InvalidParamsError({ 'Idempotency-Key': 'Idempotency-Key 格式不正确' });
  return { key: `admin:${route}:${header}`, requestHash: sha256Hex(JSON.stringify(asked)) };
}

/** The request's `Idempotency-Key` header, undefined without one (documented by each route's `@ApiHeader`). */
export const IdempotencyKeyHeader = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => headerOf(ctx.switchToHttp().getRequest<HttpRequest>(), 'idempotency-key'));
