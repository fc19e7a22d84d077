/** The executor's tree cache (checkouts and init results across jobs): copies, one whole entry per key, bounded. */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { treeCache } from '../../executor/tree-cache';

const root = mkdtempSync(join(tmpdir(), 'tk-tree-cache-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let cases = 0;

/** A tree with a nested file, an executable, and a relative symlink pointing out of it. */
function tree(text: string): string {
  const dir = join(root, `tree-${++cases}`);
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'sub', 'file.txt'), text);
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  symlinkSync('../..', join(dir, 'up'));
  return dir;
}
const cacheRoot = () => join(root, `cache-${++cases}`);
const target = () => join(root, `restored-${++cases}`);

describe('the tree cache', () => {
  it('restores a copy of what was stored: files, modes and symlinks as they were, unaffected by later changes on either side', async () => {
    const cache = treeCache(cacheRoot(), { entries: 4, bytes: 1 << 20 });
    const source = tree('original');
    expect(await cache.store('k', source)).toBe(true);
    writeFileSync(join(source, 'sub', 'file.txt'), 'changed at the source');
    const first = target();
    expect(await cache.restore('k', first)).toBe(true);
    expect(readFileSync(join(first, 'sub', 'file.txt'), 'utf8')).toBe('original');
    expect(statSync(join(first, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(lstatSync(join(first, 'up')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(first, 'up'))).toBe('../..');
    writeFileSync(join(first, 'sub', 'file.txt'), 'changed by a step');
    const second = target();
    expect(await cache.restore('k', second)).toBe(true);
    expect(readFileSync(join(second, 'sub', 'file.txt'), 'utf8')).toBe('original');
    expect(statSync(join(second, 'sub', 'file.txt')).ino).not.toBe(statSync(join(first, 'sub', 'file.txt')).ino);
  });

  it('answers a miss for an unknown key and leaves the target absent', async () => {
    const cache = treeCache(cacheRoot(), { entries: 4, bytes: 1 << 20 });
    const missing = target();
    expect(await cache.restore('nothing', missing)).toBe(false);
    expect(() => statSync(missing)).toThrow();
  });

  it('keeps one whole entry when several processes store the same key at once', async () => {
    const dir = cacheRoot();
    const stores = await Promise.all(Array.from({ length: 4 }, (_, i) => treeCache(dir, { entries: 4, bytes: 1 << 20 }).store('same', tree(`copy ${i}`))));
    expect(stores.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(readdirSync(dir)).toEqual(['same']);
    const restored = target();
    expect(await treeCache(dir, { entries: 4, bytes: 1 << 20 }).restore('same', restored)).toBe(true);
    expect(readFileSync(join(restored, 'sub', 'file.txt'), 'utf8')).toMatch(/^copy \d$/);
  });

  it('evicts the least recently used entries beyond its count and size, and refuses a tree bigger than the whole cache', async () => {
    const dir = cacheRoot();
    const cache = treeCache(dir, { entries: 2, bytes: 1 << 20 });
    await cache.store('a', tree('a'));
    await cache.store('b', tree('b'));
    // 'a' was used more recently than 'b' (mtimes a second apart: the order does not hang on the clock's resolution).
    utimesSync(join(dir, 'b'), new Date(Date.now() - 2000), new Date(Date.now() - 2000));
    expect(await cache.restore('a', target())).toBe(true);
    await cache.store('c', tree('c'));
    expect(readdirSync(dir).sort()).toEqual(['a', 'c']);
    const big = tree('x'.repeat(4096));
    expect(await treeCache(dir, { entries: 8, bytes: 1024 }).store('big', big)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['a', 'c']);
  });
});
