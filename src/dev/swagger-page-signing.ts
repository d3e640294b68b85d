import { Injectable } from '@nestjs/common';
import { IDEMPOTENCY_KEY_EXAMPLE } from '../common/idempotency/accepts-idempotency-key.decorator';
import { AppConfig, DEV_ADMIN_TOKEN, DEV_PARTNER_SIGN_KEY, DEV_PARTNER_USER_TOKEN_SECRET } from '../config/app-config';
import { DEMO_MALL_APP_ID, DEMO_MALL_SECRET } from '../database/demo-data/demo-data';
import { SwaggerPageExtension } from '../docs/swagger';
import { createPageSigner, DevSigningKeys, installPageSigning, signSwaggerRequest } from './swagger-signing';

/** Swagger UI that signs "Try it out" requests with the development keys and pre-authorizes the development admin token. */
@Injectable()
export class SwaggerPageSigning implements SwaggerPageExtension {
  constructor(private readonly config: AppConfig) {}

  customJs(): string {
    const keys: DevSigningKeys = { partnerKey: DEV_PARTNER_SIGN_KEY, mallAppId: DEMO_MALL_APP_ID, mallSecret: DEMO_MALL_SECRET, idempotencyKeyExample: IDEMPOTENCY_KEY_EXAMPLE };
    if (this.config.partnerUserTokenMode !== 'off' && this.config.partnerUserTokenSecret === DEV_PARTNER_USER_TOKEN_SECRET) keys.userTokenSecret = DEV_PARTNER_USER_TOKEN_SECRET;
    return `(${installPageSigning.toString()})((${createPageSigner.toString()})(), ${JSON.stringify(keys)});`;
  }

  swaggerOptions(): Record<string, unknown> {
    return {
      requestInterceptor: signSwaggerRequest,
      authAction: this.config.ADMIN_TOKEN === DEV_ADMIN_TOKEN
        ? { admin: { name: 'admin', schema: { type: 'http', scheme: 'bearer' }, value: DEV_ADMIN_TOKEN } }
        : undefined,
    };
  }
}
