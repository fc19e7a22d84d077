/**
 * `terraform show -json` of a saved plan, kept in the job's directory under the plan file's hash: the
 * apply of that same plan lists the same changes (as applied) without running terraform again.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function cachedShowJson(planFile: string, cacheDir: string | undefined, show: () => Promise<string>): Promise<string> {
  if (!cacheDir) return show();
  const file = join(cacheDir, `${createHash('sha256').update(await readFile(planFile)).digest('hex')}.json`);
  const cached = await readFile(file, 'utf8').catch(() => undefined);
  if (cached !== undefined) return cached;
  const text = await show();
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  // Written whole, then renamed: a reader never sees half of it. It holds plan values: owner only.
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, text, { mode: 0o600 });
  await rename(partial, file);
  return text;
}
