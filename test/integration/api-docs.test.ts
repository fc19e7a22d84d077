/**
 * The API description (issue 12 item 9): GET /api/v1/openapi.json is the document generated from the
 * route table, public, with the caller's origin as its server; GET /docs is Swagger UI served from the
 * swagger-ui-dist package's own files (no CDN), and only those files.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../shared/openapi/document';
import { ROUTES } from '../../shared/routes';
import { dispatch } from '../../local/server';
import { call } from '../helpers/api';

const packageFile = (name: string) => readFileSync(createRequire(import.meta.url).resolve(`swagger-ui-dist/${name}`));

describe('the API description', () => {
  it('serves the generated OpenAPI document without a token, with the origin the client used', async () => {
    const res = await call('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toEqual(openApiDocument({ routes: ROUTES, serverUrl: 'http://localhost:8080' }));
    const other = await call('GET', '/api/v1/openapi.json', { headers: { host: 'api.example.com', 'x-forwarded-proto': 'https' } });
    expect(other.body.servers).toEqual([{ url: 'https://api.example.com' }]);
  });

  it('serves the reference page and its files from the swagger-ui-dist package, nothing from elsewhere', async () => {
    const page = await call('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const referenced = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(referenced.every((url) => url?.startsWith('/docs/'))).toBe(true);
    for (const url of referenced) expect((await call('GET', url as string)).status, url).toBe(200);

    const bundle = await call('GET', '/docs/swagger-ui-bundle.js');
    expect(bundle.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(bundle.text).toBe(packageFile('swagger-ui-bundle.js').toString('utf8'));
    const gzipped = await dispatch({ method: 'GET', rawPath: '/docs/swagger-ui.css', rawQueryString: '', headers: { host: 'localhost', 'accept-encoding': 'gzip, br' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.body as Buffer)).toEqual(packageFile('swagger-ui.css'));
    expect((await call('GET', '/docs/init.js')).text).toContain('"/api/v1/openapi.json"');

    for (const name of ['index.html', 'package.json', '..%2Fpackage.json', 'swagger-ui-bundle.js.map']) {
      const res = await call('GET', `/docs/${name}`);
      expect(res.status, name).toBe(404);
    }
  });
});
