/**
 * The functions' code assets: every handler under functions/ built by one esbuild call (the sources are
 * parsed once for all of them, where a build per function would parse them 60 times over), then each
 * function's asset is its own output directory (index.mjs and index.mjs.map). The source maps name
 * the sources relative to the repository (shared/jobs/create-job.ts), so an asset's hash depends only
 * on the code, not on where the repository or the build directory is.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { decode, encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';
import { FUNCTION_BUILD_OPTIONS } from './bundling';

export const REPO_ROOT = resolve(import.meta.dirname, '..');

/** The handler file name inside each asset: the function's Handler is `index.handler`. */
export const HANDLER_FILE = 'index.mjs';

/** Every handler module under functions/, relative to the repository root. */
export function functionEntries(): string[] {
  return (readdirSync(join(REPO_ROOT, 'functions'), { recursive: true }) as string[])
    .map((f) => f.split('\\').join('/'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .map((f) => `functions/${f}`)
    .sort();
}

/** Builds `entries` into `outdir/<entry without .ts>/index.mjs` (+ .map); returns esbuild's metafile. */
export function buildFunctions(entries: string[], outdir: string) {
  const result = buildSync({
    ...FUNCTION_BUILD_OPTIONS,
    absWorkingDir: REPO_ROOT,
    entryPoints: Object.fromEntries(entries.map((entry) => [`${entry.replace(/\.ts$/, '')}/index`, join(REPO_ROOT, entry)])),
    outdir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
    metafile: true,
  });
  for (const entry of entries) {
    const map = join(outdir, entry.replace(/\.ts$/, ''), `${HANDLER_FILE}.map`);
    const parsed = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[]; mappings: string; names: string[] };
    writeFileSync(map, JSON.stringify(projectOnly({ ...parsed, sources: parsed.sources.map((s) => relative(REPO_ROOT, resolve(dirname(map), s)).split('\\').join('/')) })));
  }
  return result.metafile;
}

/**
 * The map keeps the mappings of the repository's own sources only: Node parses the whole map when the
 * function loads (--enable-source-maps), and the dependencies' mappings are nine tenths of it while
 * their frames are rarely what a stack trace is read for (they keep their bundle positions).
 */
function projectOnly(map: { sources: string[]; mappings: string; names: string[] }) {
  const keep = map.sources.map((s) => !s.includes('node_modules/'));
  const sourceIndex = new Map<number, number>();
  keep.forEach((k, i) => k && sourceIndex.set(i, sourceIndex.size));
  const names: string[] = [];
  const nameIndex = new Map<number, number>();
  const mappings = decode(map.mappings).map((line) =>
    line.flatMap((segment): SourceMapSegment[] => {
      if (segment.length === 1 || !keep[segment[1]]) return [];
      const source = sourceIndex.get(segment[1]) as number;
      if (segment.length === 4) return [[segment[0], source, segment[2], segment[3]]];
      if (!nameIndex.has(segment[4])) nameIndex.set(segment[4], names.push(map.names[segment[4]] as string) - 1);
      return [[segment[0], source, segment[2], segment[3], nameIndex.get(segment[4]) as number]];
    }),
  );
  return { ...map, sources: map.sources.filter((_, i) => keep[i]), names, mappings: encode(mappings) };
}

let built: { dir: string; entries: Set<string> } | undefined;

function bundleDir(entry: string): string {
  if (!built) {
    const dir = mkdtempSync(join(tmpdir(), 'terrakube-functions-'));
    const entries = functionEntries();
    buildFunctions(entries, dir);
    built = { dir, entries: new Set(entries) };
  }
  if (!built.entries.has(entry)) {
    buildFunctions([entry], built.dir);
    built.entries.add(entry);
  }
  return join(built.dir, entry.replace(/\.ts$/, ''));
}

/**
 * The code asset of the handler module `entry` (relative to the repository root), with the package
 * files it reads at run time (`swagger-ui-dist/swagger-ui.css`) under node_modules/, where Node's
 * resolution from the bundle finds them.
 */
export function functionCode(entry: string, packageFiles: readonly string[] = []): lambda.Code {
  const resolve = createRequire(join(REPO_ROOT, 'package.json')).resolve;
  return lambda.Code.fromAsset(dirname(join(REPO_ROOT, entry)), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: the local build below always succeeds (no Docker here or in CI).
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
      // Part of the asset's cache key: two handlers of one folder are two assets.
      command: ['esbuild', entry],
      local: {
        tryBundle(outputDir: string) {
          cpSync(bundleDir(entry), outputDir, { recursive: true });
          for (const file of packageFiles) {
            const target = join(outputDir, 'node_modules', file);
            mkdirSync(dirname(target), { recursive: true });
            cpSync(resolve(file), target);
          }
          return true;
        },
      },
    },
  });
}
