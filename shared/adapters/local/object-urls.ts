/**
 * Signed object URLs of `npm start`: its stand-in for S3 presigned URLs. A URL names the object (a
 * path under the files dir), the method, an expiry and, for uploads, a size limit, signed with HMAC-SHA256
 * under a key derived from the local signing secret; `local/objects.ts` serves them. Clients (the
 * terraform CLI) use them without any token, exactly as they use S3's.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const OBJECTS_PATH = '/_objects/';

export interface ObjectGrant {
  method: 'GET' | 'PUT' | 'DELETE';
  /** Path relative to the files dir, with forward slashes. */
  path: string;
  expires: number;
  maxBytes?: number;
}

const keyOf = (secret: string) => createHmac('sha256', secret).update('terrakube local object urls').digest();

function signature(secret: string, grant: ObjectGrant): string {
  return createHmac('sha256', keyOf(secret))
    .update([grant.method, grant.path, grant.expires, grant.maxBytes ?? ''].join('\n'))
    .digest('base64url');
}

/** A path an object URL may name: relative, inside the files dir, no odd segments. */
export function isSafeObjectPath(path: string): boolean {
  return path.length > 0 && path.length <= 1024 && !path.startsWith('/') && path.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !s.includes('\\') && !s.includes('\0'));
}

export function signObjectUrl(secret: string, baseUrl: string, grant: ObjectGrant): string {
  if (!isSafeObjectPath(grant.path)) throw new Error(`not an object path: ${grant.path}`);
  const query = new URLSearchParams({ method: grant.method, expires: String(grant.expires), ...(grant.maxBytes !== undefined ? { max: String(grant.maxBytes) } : {}) });
  query.set('signature', signature(secret, grant));
  return `${baseUrl}${OBJECTS_PATH}${grant.path.split('/').map(encodeURIComponent).join('/')}?${query}`;
}

/** The grant a request carries, if its signature holds and it has not expired; else why not. */
export function verifyObjectUrl(secret: string, method: string, pathname: string, query: URLSearchParams, now = Date.now()): ObjectGrant | { refused: string } {
  if (!pathname.startsWith(OBJECTS_PATH)) return { refused: 'not an object URL' };
  let path: string;
  try {
    path = pathname.slice(OBJECTS_PATH.length).split('/').map(decodeURIComponent).join('/');
  } catch {
    return { refused: 'malformed object path' };
  }
  if (!isSafeObjectPath(path)) return { refused: 'malformed object path' };
  const grantMethod = query.get('method');
  const expires = Number(query.get('expires'));
  const max = query.get('max');
  if ((grantMethod !== 'GET' && grantMethod !== 'PUT' && grantMethod !== 'DELETE') || (method !== grantMethod && !(method === 'HEAD' && grantMethod === 'GET'))) return { refused: 'this URL is not valid for this method' };
  if (!Number.isSafeInteger(expires)) return { refused: 'malformed expiry' };
  const grant: ObjectGrant = { method: grantMethod, path, expires, ...(max !== null ? { maxBytes: Number(max) } : {}) };
  const given = Buffer.from(query.get('signature') ?? '');
  const expected = Buffer.from(signature(secret, grant));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { refused: 'the signature does not match' };
  if (expires * 1000 < now) return { refused: 'the URL has expired' };
  return grant;
}
