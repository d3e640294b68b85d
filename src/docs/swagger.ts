import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { onSendHookHandler } from 'fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AppConfig, DEV_ADMIN_TOKEN, DEV_PARTNER_SIGN_KEY } from '../config/app-config';
import { DEMO_MALL_APP_ID, DEMO_MALL_SECRET } from '../database/demo-data/demo-data';
import { addValidationBounds } from './validation-schema';
import { createPageSigner, DevSigningKeys, installPageSigning, signSwaggerRequest } from './swagger-signing';

const DESCRIPTION = readFileSync(join(__dirname, 'swagger-description.md'), 'utf8');

/** The OpenAPI document; `serverUrl` is fixed when exporting `openapi.json` so the file is stable. */
export function buildOpenApiDocument(app: INestApplication, serverUrl: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('订单与支付服务 / Order & Payment Service')
    .setDescription(DESCRIPTION)
    .setVersion('1.0')
    .addServer(serverUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, 'admin');
  return addValidationBounds(SwaggerModule.createDocument(app, builder.build()));
}

/**
 * Swagger UI at /docs and the document at /docs-json. In development the page signs "Try it out"
 * requests with the development keys (swagger-signing.ts) and pre-authorizes the admin token; production
 * serves neither.
 */
export function setupSwagger(app: NestFastifyApplication, config: AppConfig): void {
  sendDocsAsUtf8(app);
  const dev = !config.isProduction && config.PARTNER_SIGN_KEY === DEV_PARTNER_SIGN_KEY;
  const keys: DevSigningKeys = { partnerKey: DEV_PARTNER_SIGN_KEY, mallAppId: DEMO_MALL_APP_ID, mallSecret: DEMO_MALL_SECRET };
  const pageSigning = `(${installPageSigning.toString()})((${createPageSigner.toString()})(), ${JSON.stringify(keys)});`;
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, config.PUBLIC_BASE_URL), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Order & Payment Service API',
    customJsStr: dev ? pageSigning : undefined,
    swaggerOptions: {
      persistAuthorization: false,
      displayRequestDuration: true,
      tryItOutEnabled: false,
      ...(dev
        ? {
            requestInterceptor: signSwaggerRequest,
            authAction: config.ADMIN_TOKEN === DEV_ADMIN_TOKEN
              ? { admin: { name: 'admin', schema: { type: 'http', scheme: 'bearer' }, value: DEV_ADMIN_TOKEN } }
              : undefined,
          }
        : {}),
    },
  });
}

/**
 * Swagger's page and its script go out as `text/html` and `application/javascript` without a charset, and both
 * carry the document's Chinese texts: the routes under /docs name utf-8 (under Express every text reply did).
 */
function sendDocsAsUtf8(app: NestFastifyApplication): void {
  const withCharset: onSendHookHandler = (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && !type.includes('charset')) reply.header('content-type', `${type}; charset=utf-8`);
    done(null, payload);
  };
  app.getHttpAdapter().getInstance().addHook('onRoute', (route) => {
    if (!route.url.startsWith('/docs')) return;
    route.onSend = [...(route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend]), withCharset];
  });
}
