import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** The key Swagger's "Try it out" prefills; the development page sends a fresh key in its place (src/dev/swagger-signing.ts). */
export const IDEMPOTENCY_KEY_EXAMPLE = 'refund-0001';

/**
 * An operators' route that takes a client's retry key (SPEC §3), scoped to the admin token and the route: the same key
 * with the same parameters answers the original response, with others 40901. Signed routes get this from `@Signed`.
 */
export const AcceptsIdempotencyKey = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({ name: 'Idempotency-Key', required: false, example: IDEMPOTENCY_KEY_EXAMPLE, description: '重试键：同键同参数返回原结果 / retry key: the same key and parameters answer the original response; without one each request is new' }),
  );
