import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * An operators' route that takes a client's retry key (SPEC §3), scoped to the admin token and the route: the same key
 * with the same parameters answers the original response, with others 40901. Signed routes get this from `@Signed`.
 */
export const AcceptsIdempotencyKey = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({ name: 'Idempotency-Key', required: false, example: 'refund-0001', description: '重试键：同键同参数返回原结果 / retry key: the same key and parameters answer the original response; without one each request is new' }),
  );
