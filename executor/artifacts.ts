/**
 * The executor's view of the artifact store. A step holds no storage credentials (issue 20): every
 * artifact reaches it as a URL its runner task minted for this step (S3 presigned in AWS, signed by
 * `npm start` locally), one method on one object, so the step can touch nothing else. URLs are
 * capabilities: no error message, log line or result ever carries one (only the object's path).
 * `localArtifacts` (file paths) exists for the executor's own tests of the step logic.
 * Plan files and contexts hold secrets, so local copies are only readable by their owner.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ArtifactRef } from '../shared/runs/executor-contract';
import { httpRequest, type Reply } from './http-request';

export interface Artifacts {
  /** Copies an artifact to a local file; false when the artifact does not exist. */
  download(ref: ArtifactRef, localPath: string): Promise<boolean>;
  upload(localPath: string, ref: ArtifactRef): Promise<void>;
  /** An artifact's bytes, or undefined when it does not exist. */
  read(ref: ArtifactRef): Promise<Buffer | undefined>;
  write(ref: ArtifactRef, body: Buffer | string, contentType?: string): Promise<void>;
  /** An artifact's text, or undefined when it does not exist. */
  readText(ref: ArtifactRef): Promise<string | undefined>;
  /** Deletes an artifact (with a URL: the version it names, for good); one that does not exist is fine. */
  remove(ref: ArtifactRef): Promise<void>;
}

const isMissingFile = (error: unknown) => (error as { code?: string }).code === 'ENOENT';

/** Writes a stream to a private (0600) file, creating its directory. */
async function writePrivateFile(source: NodeJS.ReadableStream, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await pipeline(source, createWriteStream(path, { mode: 0o600 }));
  await chmod(path, 0o600); // the mode above only applies when the file is created
}

/** File paths as refs: the executor's tests of the step logic (a real step only ever gets URLs). */
export function localArtifacts(): Artifacts {
  const read = async (ref: string) => {
    try {
      return await readFile(ref);
    } catch (error) {
      if (isMissingFile(error)) return undefined;
      throw error;
    }
  };
  return {
    async download(ref, localPath) {
      try {
        await stat(ref); // a missing plan must not leave an empty target behind
      } catch (error) {
        if (isMissingFile(error)) return false;
        throw error;
      }
      await writePrivateFile(createReadStream(ref), localPath);
      return true;
    },
    async upload(localPath, ref) {
      await writePrivateFile(createReadStream(localPath), ref);
    },
    read,
    async write(ref, body) {
      await mkdir(dirname(ref), { recursive: true });
      await writeFile(ref, body, { mode: 0o600 });
    },
    readText: async (ref) => (await read(ref))?.toString('utf8'),
    async remove(ref) {
      await rm(ref, { force: true });
    },
  };
}

/** What a failed request may say: the object's path, the status and S3's error code; never the URL's signature. */
export class ArtifactRequestFailed extends Error {}

const objectName = (url: string) => {
  try {
    return decodeURIComponent(new URL(url).pathname).replace(/^\/_objects\//, '').replace(/^\//, '');
  } catch {
    return 'an artifact';
  }
};

async function failure(method: string, url: string, response: Reply): Promise<ArtifactRequestFailed> {
  const text = await response.text().catch(() => '');
  const code = /<Code>([^<]{1,64})<\/Code>/.exec(text)?.[1] ?? text.trim().split('\n')[0]?.slice(0, 80);
  return new ArtifactRequestFailed(`${method} ${objectName(url)} failed: ${response.status}${code ? ` (${code})` : ''}`);
}

const ATTEMPTS = 4;
const transient = (status: number) => status >= 500 || status === 429;

/**
 * One request, tried again on a network error or a 5xx/429 (S3 asks callers to): the bodies are
 * buffers, so a retry resends the same bytes. A network error's own message names no URL.
 */
async function request(method: 'GET' | 'PUT' | 'DELETE', url: string, init: { body?: Buffer; contentType?: string } = {}): Promise<Reply> {
  for (let attempt = 1; ; attempt++) {
    let response: Reply;
    try {
      response = await httpRequest(method, url, init.body, init.contentType);
    } catch (error) {
      if (attempt >= ATTEMPTS) throw new ArtifactRequestFailed(`${method} ${objectName(url)} failed: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      continue;
    }
    if (!transient(response.status) || attempt >= ATTEMPTS) return response;
    response.discard();
    await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
  }
}

export function urlArtifacts(): Artifacts {
  const get = async (url: string) => {
    const response = await request('GET', url);
    if (response.status === 404) {
      response.discard();
      return undefined;
    }
    if (!response.ok) throw await failure('GET', url, response);
    return response;
  };
  const put = async (url: string, body: Buffer, contentType?: string) => {
    const response = await request('PUT', url, { body, contentType });
    if (!response.ok) throw await failure('PUT', url, response);
    response.discard();
  };
  return {
    async download(ref, localPath) {
      const response = await get(ref);
      if (!response) return false;
      await writePrivateFile(response.body, localPath);
      return true;
    },
    // Read whole: state, plans and caches are small enough, and a stream body would need a known length.
    upload: async (localPath, ref) => put(ref, await readFile(localPath)),
    read: async (ref) => (await get(ref))?.bytes(),
    write: (ref, body, contentType) => put(ref, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), contentType),
    readText: async (ref) => (await get(ref))?.text(),
    async remove(ref) {
      const response = await request('DELETE', ref);
      if (!response.ok && response.status !== 404) throw await failure('DELETE', ref, response);
      response.discard();
    },
  };
}
