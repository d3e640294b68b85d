import { applyDecorators, SetMetadata, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { CallerRateLimitGuard } from '../rate-limit/rate-limit.guard';
import { SignatureGuard } from './signature.guard';
import { DEDUPE_IDENTICAL, SIGNED, SignatureScheme } from './signature-metadata';

/**
 * The route needs a valid signature of the scheme, and counts against its caller's rate limit; nonces and
 * Idempotency-Key replay the stored response. The document names the scheme (src/docs/contract.ts); a partner
 * request may add the user's token.
 */
export const Signed = (scheme: SignatureScheme) =>
  applyDecorators(
    SetMetadata(SIGNED, scheme),
    UseGuards(SignatureGuard, CallerRateLimitGuard),
    UseInterceptors(IdempotencyInterceptor),
    ...(scheme === 'partner' ? [ApiSecurity({ partnerSignature: [], partnerUserToken: [] }), ApiSecurity('partnerSignature')] : [ApiSecurity('mallSignature')]),
  );

/** An identical request (same canonical string) within IDEMPOTENCY_WINDOW_SECONDS is a retry: original response, no new effect. */
export const DedupeIdenticalRequests = () => SetMetadata(DEDUPE_IDENTICAL, true);
