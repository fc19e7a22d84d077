/**
 * The TFE API in process, as terraform drives it: calls through the route table (api.ts `call`), the
 * uploads to the store's signed URLs through a real local object server (`npm start`'s S3 stand-in),
 * and configuration archives packed as go-slug packs them (.tar.gz of relative paths).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create as tar } from 'tar';
import { startHttpServer } from '../../local/server';
import { call, type ApiAnswer } from './api';

export const tfe = (method: string, path: string, token: string | null, body?: unknown): Promise<ApiAnswer> =>
  call(method, `/api/v2/${path}`, { token, ...(body !== undefined ? { body } : {}) });

export interface ObjectServer {
  /** PUTs to a signed URL of the store (its origin replaced by this server's). */
  put(url: string, body: Buffer | string): Promise<number>;
  get(url: string): Promise<{ status: number; body: Buffer }>;
  close(): Promise<void>;
}

export async function objectServer(): Promise<ObjectServer> {
  const server = await startHttpServer(0, '127.0.0.1', { objects: { root: process.env.TERRAKUBE_FILES_DIR as string, secret: process.env.TERRAKUBE_PAT_SECRET as string } });
  const here = (url: string) => {
    const u = new URL(url);
    return `${server.url}${u.pathname}${u.search}`;
  };
  return {
    async put(url, body) {
      const res = await fetch(here(url), { method: 'PUT', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'application/octet-stream' } });
      await res.arrayBuffer();
      return res.status;
    },
    async get(url) {
      const res = await fetch(here(url));
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    },
    close: () => server.close(),
  };
}

/** A .tar.gz of these files (relative paths), as the CLI uploads its working directory. */
export async function tarball(files: Record<string, string>): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-config-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const file = join(dir, '..', `${dir.split('/').at(-1)}.tar.gz`);
    await tar({ gzip: true, cwd: dir, file, portable: true }, Object.keys(files));
    const bytes = await readFile(file);
    rmSync(file, { force: true });
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates a configuration version, uploads the files and waits until it reads `uploaded`; its id. */
export async function uploadConfiguration(objects: ObjectServer, token: string, workspace: string, files: Record<string, string>, speculative = false): Promise<string> {
  const created = await tfe('POST', `workspaces/${workspace}/configuration-versions`, token, { data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false, speculative } } });
  if (created.status !== 201) throw new Error(`configuration version: ${created.status} ${created.text}`);
  const { id, attributes } = created.body.data;
  const put = await objects.put(attributes['upload-url'], await tarball(files));
  if (put !== 200) throw new Error(`upload: ${put}`);
  const read = await tfe('GET', `configuration-versions/${id}`, token);
  if (read.body.data.attributes.status !== 'uploaded') throw new Error(`configuration version is ${read.body.data.attributes.status}`);
  return id;
}

export const md5 = (text: string) => createHash('md5').update(text).digest('hex');

export function stateFile(serial: number, lineage: string, outputs: Record<string, { value: unknown; type: unknown; sensitive?: boolean }> = {}): string {
  return `${JSON.stringify({ version: 4, terraform_version: '1.11.4', serial, lineage, outputs, resources: [], check_results: null }, null, 2)}\n`;
}

/** What terraform does for a local apply or `state push`: create the version, upload the state, read the version. */
export async function pushState(objects: ObjectServer, token: string, workspace: string, state: string, options: { force?: boolean } = {}): Promise<ApiAnswer> {
  const parsed = JSON.parse(state) as { serial: number; lineage: string; outputs: Record<string, unknown> };
  const created = await tfe('POST', `workspaces/${workspace}/state-versions`, token, {
    data: {
      type: 'state-versions',
      attributes: {
        serial: parsed.serial,
        md5: md5(state),
        lineage: parsed.lineage,
        force: options.force ?? false,
        'json-state-outputs': Buffer.from(JSON.stringify(parsed.outputs)).toString('base64'),
      },
    },
  });
  if (created.status !== 201) return created;
  const attributes = created.body.data.attributes;
  const put = await objects.put(attributes['hosted-state-upload-url'], state);
  if (put !== 200) throw new Error(`state upload: ${put}`);
  // terraform uploads the JSON rendering of the state beside it (terraform show -json).
  const json = await objects.put(attributes['hosted-json-state-upload-url'], JSON.stringify({ format_version: '1.0', terraform_version: '1.11.4', values: { outputs: parsed.outputs, root_module: {} } }));
  if (json !== 200) throw new Error(`JSON state upload: ${json}`);
  return tfe('GET', `state-versions/${created.body.data.id}`, token);
}

/** Writes straight to the path a signed URL names (in-process tests that need no HTTP for their uploads). */
export const directObjects: ObjectServer = {
  async put(url, body) {
    const path = decodeURIComponent(new URL(url).pathname.replace(/^\/_objects\//, ''));
    const file = join(process.env.TERRAKUBE_FILES_DIR as string, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
    return 200;
  },
  async get(url) {
    const path = decodeURIComponent(new URL(url).pathname.replace(/^\/_objects\//, ''));
    return { status: 200, body: await readFile(join(process.env.TERRAKUBE_FILES_DIR as string, path)) };
  },
  close: async () => undefined,
};
