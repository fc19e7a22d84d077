/**
 * `<bin> version` once per binary for a warm executor process: the output only changes when the binary
 * found on PATH does, which its path, size and mtime tell (a reinstall or upgrade changes them).
 */
import { stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

const outputs = new Map<string, string>();

async function identity(bin: string, path: string | undefined): Promise<string | undefined> {
  const candidates = isAbsolute(bin) ? [bin] : (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, bin));
  for (const file of candidates) {
    try {
      const s = await stat(file);
      if (s.isFile()) return `${file}:${s.size}:${s.mtimeMs}`;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export async function cachedVersionOutput(bin: string, env: NodeJS.ProcessEnv, run: () => Promise<string>): Promise<string> {
  const key = await identity(bin, env.PATH);
  const known = key ? outputs.get(key) : undefined;
  if (known !== undefined) return known;
  const output = await run();
  if (key) outputs.set(key, output);
  return output;
}
