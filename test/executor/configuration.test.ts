/** The executor unpacks a CLI upload only when no entry could write outside its root. Archives made by GNU tar. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnsafeArchive, unpackConfiguration } from '../../executor/configuration';

const root = mkdtempSync(join(tmpdir(), 'tk-configuration-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** An archive of `names` made in a fresh directory holding `setup`'s files. */
function archive(setup: (dir: string) => void, names: string[], flags: string[] = []): { file: string; into: string } {
  const dir = join(root, `src-${++n}`, 'inner');
  mkdirSync(dir, { recursive: true });
  setup(dir);
  const file = join(root, `a-${n}.tar.gz`);
  execFileSync('tar', ['-C', dir, ...flags, '-czf', file, ...names]);
  const into = join(root, `out-${n}`);
  mkdirSync(into);
  return { file, into };
}

describe('unpacking an uploaded configuration', () => {
  it('unpacks files, directories and symlinks inside the root', async () => {
    const { file, into } = archive(
      (d) => {
        mkdirSync(join(d, 'modules'));
        writeFileSync(join(d, 'main.tf'), 'resource "terraform_data" "x" {}\n');
        writeFileSync(join(d, 'modules', 'a.tf'), '');
        symlinkSync('main.tf', join(d, 'link.tf'));
      },
      ['main.tf', 'modules', 'link.tf'],
    );
    expect(await unpackConfiguration(file, into)).toMatchObject({ entries: 4 });
    expect(readFileSync(join(into, 'link.tf'), 'utf8')).toContain('terraform_data');
  });

  it.each([
    ['a path leaving the root', (d: string) => writeFileSync(join(d, '..', 'evil.tf'), ''), ['../evil.tf'], ['-P'], /leaves the configuration's root/],
    ['an absolute path', () => writeFileSync(join(root, 'abs.tf'), ''), [join(root, 'abs.tf')], ['-P'], /absolute path/],
    ['a symlink out of the root', (d: string) => symlinkSync('/etc/passwd', join(d, 'passwd')), ['passwd'], [], /points outside/],
    ['a relative symlink out of the root', (d: string) => symlinkSync('../../x', join(d, 'up')), ['up'], [], /points outside/],
  ])('refuses %s and writes nothing', async (_what, setup, names, flags, message) => {
    const { file, into } = archive(setup, names, flags);
    const unpacked = unpackConfiguration(file, into);
    await expect(unpacked).rejects.toThrow(UnsafeArchive);
    await expect(unpacked).rejects.toThrow(message);
    expect(existsSync(join(into, '..', 'evil.tf'))).toBe(false);
  });

  it('refuses an archive past its limits, and one that is not a .tar.gz', async () => {
    const { file, into } = archive((d) => writeFileSync(join(d, 'big.tf'), 'x'.repeat(2048)), ['big.tf']);
    await expect(unpackConfiguration(file, into, { maxBytes: 1024, maxEntries: 10 })).rejects.toThrow(/expands to more than 1024 bytes/);
    const junk = join(root, 'junk.tar.gz');
    writeFileSync(junk, 'not an archive');
    await expect(unpackConfiguration(junk, into)).rejects.toThrow(/not a valid/);
  });
});
