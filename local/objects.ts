/**
 * `npm start`'s stand-in for S3 presigned URLs: the signed object URLs the file artifact store hands
 * out (shared/adapters/local/object-urls.ts), served next to the API and to the executors (the only
 * way a local step reaches its job's objects, as in AWS). PUT stores the body under the files dir (refused past the URL's size limit, written to a temporary file and renamed, so a reader
 * never sees half an object); GET and HEAD serve it; DELETE removes it. No token: the signature is the permission.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { OBJECTS_PATH, verifyObjectUrl } from '../shared/adapters/local/object-urls';

export interface ObjectStoreOptions {
  /** The files dir (TERRAKUBE_FILES_DIR). */
  root: string;
  /** The secret the store signs with (TERRAKUBE_PAT_SECRET). */
  secret: string;
}

export const isObjectRequest = (pathname: string) => pathname.startsWith(OBJECTS_PATH);

function answer(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(`${message}\n`);
}

class TooLarge extends Error {}

export async function serveObject(req: IncomingMessage, res: ServerResponse, url: URL, options: ObjectStoreOptions): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const grant = verifyObjectUrl(options.secret, method, url.pathname, url.searchParams);
  if ('refused' in grant) return answer(res, 403, grant.refused);
  const file = join(options.root, ...grant.path.split('/'));
  if (method === 'DELETE') {
    await rm(file, { force: true });
    return void res.writeHead(204, { 'cache-control': 'no-store' }).end();
  }
  if (method === 'PUT') {
    const max = grant.maxBytes ?? Infinity;
    if (Number(req.headers['content-length'] ?? 0) > max) return answer(res, 413, `the object exceeds ${max} bytes`);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const partial = `${file}.${crypto.randomUUID()}.partial`;
    let size = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(size > max ? new TooLarge() : null, chunk);
      },
    });
    try {
      await pipeline(req, limit, createWriteStream(partial, { mode: 0o600 }));
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      if (error instanceof TooLarge) return answer(res, 413, `the object exceeds ${max} bytes`);
      throw error;
    }
    return answer(res, 200, 'stored');
  }
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return answer(res, 404, 'no such object');
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size), 'cache-control': 'no-store' });
  if (method === 'HEAD') return void res.end();
  await pipeline(createReadStream(file), res);
}
