/**
 * How every function is bundled: one minified ESM file per handler, AWS SDK included (so the versions
 * that ran in tests are the versions that run in Lambda). `npm run bench` builds with the same options.
 */
import type { BuildOptions } from 'esbuild';

export const NODE_TARGET = 'node22';

/** CommonJS dependencies inside an ESM bundle need `require`. */
export const ESM_REQUIRE_SHIM = "import { createRequire as __terrakubeRequire } from 'node:module'; const require = __terrakubeRequire(import.meta.url);";

export const ESBUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: NODE_TARGET,
  minify: true,
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_SHIM },
  legalComments: 'none',
};
