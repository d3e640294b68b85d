import { INestApplication } from '@nestjs/common';
import { buildOpenApiDocument } from './swagger';

/** The committed `openapi.json` is generated against this server URL so it does not depend on the environment. */
export const OPENAPI_FILE_SERVER = 'http://localhost:3000';

export function renderOpenApiFile(app: INestApplication): string {
  return `${JSON.stringify(buildOpenApiDocument(app, OPENAPI_FILE_SERVER), null, 2)}\n`;
}
