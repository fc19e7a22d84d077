/**
 * What a step can reach (issue 20): only the objects its URLs name, with the methods they name, until
 * they expire; an error never carries a URL's signature (it could end up in the step log); and the
 * state proxy terraform's http backend talks to locks within the step and reads a missing state as none.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urlArtifacts } from '../../executor/artifacts';
import { startStateProxy } from '../../executor/state-proxy';
import { objectGrants } from './helpers';

let root: string;
let grants: Awaited<ReturnType<typeof objectGrants>>;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tk-url-artifacts-'));
  mkdirSync(join(root, 'state', 'org-a', 'ws-a'), { recursive: true });
  mkdirSync(join(root, 'state', 'org-b', 'ws-b'), { recursive: true });
  writeFileSync(join(root, 'state', 'org-a', 'ws-a', 'terraform.tfstate'), '{"serial":1}');
  writeFileSync(join(root, 'state', 'org-b', 'ws-b', 'terraform.tfstate'), '{"serial":99,"secret":"tenant-b"}');
  grants = await objectGrants(root);
});
afterAll(async () => {
  await grants.close();
  rmSync(root, { recursive: true, force: true });
});

const artifacts = urlArtifacts();
const own = () => join(root, 'state', 'org-a', 'ws-a', 'terraform.tfstate');
const other = () => join(root, 'state', 'org-b', 'ws-b', 'terraform.tfstate');

describe('a step reaches only what its URLs grant', () => {
  it('reads its own state; the same URL pointed at another workspace\'s state is refused', async () => {
    const url = grants.url('GET', own());
    expect(await artifacts.readText(url)).toBe('{"serial":1}');
    const tampered = url.replace('/org-a/ws-a/', '/org-b/ws-b/');
    const error = await artifacts.readText(tampered).catch((e: Error) => e);
    expect(String(error)).toMatch(/GET state\/org-b\/ws-b\/terraform.tfstate failed: 403 \(the signature does not match\)/);
    // The message names the object, never the URL's signature.
    expect(String(error)).not.toContain(new URL(url).searchParams.get('signature'));
  });

  it('refuses another method than the one granted, and an expired URL', async () => {
    const read = grants.url('GET', own());
    await expect(artifacts.write(read, 'overwritten')).rejects.toThrow(/PUT state\/org-a\/ws-a\/terraform.tfstate failed: 403/);
    await expect(artifacts.readText(grants.url('GET', own(), -1))).rejects.toThrow(/403 \(the URL has expired\)/);
    expect(readFileSync(other(), 'utf8')).toContain('tenant-b');
  });

  it('reads a missing object as absent, writes and deletes what it was granted', async () => {
    const plan = join(root, 'plans', 'org-a', '1', 'p.tfplan');
    expect(await artifacts.readText(grants.url('GET', plan))).toBeUndefined();
    await artifacts.write(grants.url('PUT', plan), 'plan bytes');
    expect(await artifacts.readText(grants.url('GET', plan))).toBe('plan bytes');
    await artifacts.remove(grants.url('DELETE', plan));
    expect(await artifacts.readText(grants.url('GET', plan))).toBeUndefined();
  });
});

describe('the state proxy (terraform\'s http backend)', () => {
  it('serves the state the step started with, locks it within the step, writes through to the granted object, refuses writes under another lock', async () => {
    const state = join(root, 'state', 'org-a', 'ws-new', 'terraform.tfstate');
    const proxy = await startStateProxy(artifacts, { get: grants.url('GET', state), put: grants.url('PUT', state) }, Buffer.alloc(0));
    try {
      const address = proxy.env.TF_HTTP_ADDRESS!;
      const lock = proxy.env.TF_HTTP_LOCK_ADDRESS!;
      expect(new URL(address).hostname).toBe('127.0.0.1');
      expect((await fetch(address)).status).toBe(404);
      expect((await fetch(lock, { method: 'LOCK', body: JSON.stringify({ ID: 'one' }) })).status).toBe(200);
      const second = await fetch(lock, { method: 'LOCK', body: JSON.stringify({ ID: 'two' }) });
      expect([second.status, ((await second.json()) as { ID: string }).ID]).toEqual([423, 'one']);
      expect((await fetch(`${address}?ID=two`, { method: 'POST', body: '{"serial":2}' })).status).toBe(409);
      expect((await fetch(`${address}?ID=one`, { method: 'POST', body: '{"serial":2}' })).status).toBe(200);
      expect(readFileSync(state, 'utf8')).toBe('{"serial":2}');
      expect((await fetch(lock, { method: 'UNLOCK', body: JSON.stringify({ ID: 'one' }) })).status).toBe(200);
      expect(await (await fetch(address)).text()).toBe('{"serial":2}');
      expect(proxy.current().toString()).toBe('{"serial":2}');
      // Only under its random path.
      expect((await fetch(new URL('/state', address))).status).toBe(404);
    } finally {
      await proxy.close();
    }
  });
});
