import { INestApplication } from '@nestjs/common';
import { buildOpenApiDocument } from './swagger';

/** The committed `openapi.json` names a relative server: it does not depend on the environment, and a client generated from it is pointed at a base URL. */
export const OPENAPI_FILE_SERVER = '/';

export function renderOpenApiFile(app: INestApplication): string {
  return `${JSON.stringify(buildOpenApiDocument(app, OPENAPI_FILE_SERVER), null, 2)}\n`;
}
