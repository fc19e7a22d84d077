/**
 * GET /docs and its files: the API reference page, Swagger UI reading /api/v1/openapi.json, served from
 * the swagger-ui-dist package's own files (no CDN: in AWS the route table ships them in the function's
 * asset). Public, like the document it shows.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { NotFound } from '../domain/errors';
import { API_REFERENCE_FILES } from '../routes';

const OPENAPI_PATH = '/api/v1/openapi.json';
const TYPES: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', png: 'image/png' };
const files = new Map<string, Promise<{ raw: Buffer; gzipped: Buffer }>>();

const header = (event: APIGatewayProxyEventV2, name: string) => Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Terrakube Jobs API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;
// Its own file, not an inline script, so a Content-Security-Policy without 'unsafe-inline' allows it.
const INIT = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(OPENAPI_PATH)}, dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });\n`;

export async function getApiReference(): Promise<APIGatewayProxyStructuredResultV2> {
  return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=300' }, body: PAGE };
}

function load(name: string) {
  let loaded = files.get(name);
  if (!loaded) {
    // Resolved like any dependency: the repository's node_modules here, the function asset's in AWS.
    const path = name === 'init.js' ? undefined : createRequire(import.meta.url).resolve(`swagger-ui-dist/${name}`);
    loaded = (path ? readFile(path) : Promise.resolve(Buffer.from(INIT))).then((raw) => ({ raw, gzipped: gzipSync(raw) }));
    files.set(name, loaded);
  }
  return loaded;
}

export async function getApiReferenceFile(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const name = event.pathParameters?.file ?? '';
  if (name !== 'init.js' && !(API_REFERENCE_FILES as readonly string[]).includes(name)) throw new NotFound(`no file ${name} in the API reference`);
  const { raw, gzipped } = await load(name);
  const gzip = /\bgzip\b/.test(header(event, 'accept-encoding') ?? '');
  return {
    statusCode: 200,
    headers: {
      'content-type': TYPES[name.split('.').pop() as string] as string,
      'cache-control': 'public, max-age=86400',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: (gzip ? gzipped : raw).toString('base64'),
    isBase64Encoded: true,
  };
}
