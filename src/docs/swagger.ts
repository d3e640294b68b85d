import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INestApplication, Injectable, Optional } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { onSendHookHandler } from 'fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AppConfig, DEV_ADMIN_TOKEN, DEV_PARTNER_SIGN_KEY, DEV_PARTNER_USER_TOKEN_SECRET } from '../config/app-config';
import { DEMO_MALL_APP_ID, DEMO_MALL_SECRET } from '../database/demo-data/demo-data';
import { addFormEncoding, addTransportContract, operationIdOf, SECURITY_SCHEMES, TAGS } from './contract';
import { addValidationBounds, addWireForms } from './validation-schema';

const DESCRIPTION = readFileSync(join(__dirname, 'swagger-description.md'), 'utf8');

/**
 * The OpenAPI document: at run time its server is PUBLIC_BASE_URL; the committed `openapi.json` names the relative
 * server `/`, so that a client generated from the file talks to wherever it is pointed.
 */
export function buildOpenApiDocument(app: INestApplication, serverUrl: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('订单与支付服务 / Order & Payment Service')
    .setDescription(DESCRIPTION)
    .setVersion('1.0')
    .addServer(serverUrl);
  for (const tag of TAGS) builder.addTag(tag.name, tag.description);
  const config = builder.build();
  config.info.license = { name: 'UNLICENSED' };
  config.components = { ...config.components, securitySchemes: SECURITY_SCHEMES };
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: operationIdOf });
  return addFormEncoding(addTransportContract(addWireForms(addValidationBounds(document))));
}

/** What a development tool adds to the Swagger page (src/dev/): a script and Swagger UI options. */
export abstract class SwaggerPageExtension {
  abstract customJs(): string;
  abstract swaggerOptions(): Record<string, unknown>;
}

/** The page's extension when the development module provides one; none in production. */
@Injectable()
export class SwaggerPage {
  constructor(@Optional() readonly extension?: SwaggerPageExtension) {}
}

/** Swagger UI at /docs and the document at /docs-json. */
export function setupSwagger(app: NestFastifyApplication, config: AppConfig): void {
  sendDocsAsUtf8(app);
  const extension = app.get(SwaggerPage).extension;
  const document = () => buildOpenApiDocument(app, config.PUBLIC_BASE_URL);
  SwaggerModule.setup('docs', app, config.isProduction ? () => withoutDevCredentials(document()) : document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Order & Payment Service API',
    customJsStr: extension?.customJs(),
    swaggerOptions: {
      persistAuthorization: false,
      displayRequestDuration: true,
      tryItOutEnabled: false,
      ...extension?.swaggerOptions(),
    },
  });
}

/**
 * Production's document: the worked examples (made with the development keys and the demo app) left out, and any
 * other mention of a development credential replaced by the name of what goes there.
 */
function withoutDevCredentials(document: OpenAPIObject): OpenAPIObject {
  const placeholders: Array<[string, string]> = [
    [DEV_PARTNER_SIGN_KEY, '<PARTNER_SIGN_KEY>'],
    [DEV_ADMIN_TOKEN, '<ADMIN_TOKEN>'],
    [DEV_PARTNER_USER_TOKEN_SECRET, '<PARTNER_USER_TOKEN_SECRET>'],
    [DEMO_MALL_SECRET, '<app_secret>'],
    [DEMO_MALL_APP_ID, '<app_id>'],
  ];
  const description = (document.info.description ?? '').replace(/^Worked example[^\n]*\n```[\s\S]*?```\n?/gm, '');
  let text = JSON.stringify({ ...document, info: { ...document.info, description } });
  for (const [credential, placeholder] of placeholders) text = text.split(credential).join(placeholder);
  return JSON.parse(text) as OpenAPIObject;
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
