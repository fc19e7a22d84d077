/**
 * How every function is bundled: one minified ESM file per handler, AWS SDK included (so the versions
 * that ran in tests are the versions that run in Lambda), with a source map beside it that Node reads
 * when NODE_OPTIONS has --enable-source-maps (a stack trace then names the TypeScript file and line).
 * CDK (infra/function-bundles.ts) and `npm run bench` build with these same options.
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

/**
 * Functions ship a linked source map; the sources themselves stay out of it (the code is in the repo).
 * Their SDK clients take the credentials Lambda puts in the environment, without the rest of the SDK's
 * default chain (shared/adapters/aws/lambda-credentials.ts; paths are relative to the repository root).
 */
export const FUNCTION_BUILD_OPTIONS: BuildOptions = {
  ...ESBUILD_OPTIONS,
  sourcemap: 'linked',
  sourcesContent: false,
  alias: { '@aws-sdk/credential-provider-node': './shared/adapters/aws/lambda-credentials.ts' },
};

/** What a function's environment needs for its source map to be used. */
export const SOURCE_MAPS_NODE_OPTIONS = '--enable-source-maps';
