/**
 * The workspace's state backend as terraform/tofu sees it: a backend override file written into the
 * step's folder before `init`. What the S3 backend accepts depends on the binary's version, so the
 * executor asks the binary (`<bin> version`) rather than trusting the workspace's terraformVersion:
 * - S3 native locking (`use_lockfile`) exists from Terraform 1.10 and OpenTofu 1.10; older versions
 *   refuse the argument at init, so they run without a state lock (the workspace queue still runs one
 *   job of a workspace at a time);
 * - Terraform before 1.6 names custom endpoints `endpoint` / `sts_endpoint` / `force_path_style`
 *   (only used when an S3-compatible endpoint is configured, i.e. locally and in tests).
 */
import type { ExecutorContext } from '../shared/runs/executor-contract';

export interface IacVersion {
  product: 'terraform' | 'tofu';
  major: number;
  minor: number;
  patch: number;
}

/** Parses the first line of `terraform version` / `tofu version` ("Terraform v1.11.4", "OpenTofu v1.9.1"). */
export function parseIacVersion(text: string): IacVersion | undefined {
  const match = /^(Terraform|OpenTofu) v(\d+)\.(\d+)\.(\d+)/m.exec(text);
  if (!match) return undefined;
  return { product: match[1] === 'OpenTofu' ? 'tofu' : 'terraform', major: Number(match[2]), minor: Number(match[3]), patch: Number(match[4]) };
}

const atLeast = (v: IacVersion, major: number, minor: number) => v.major > major || (v.major === major && v.minor >= minor);

/** S3 native state locking: Terraform 1.10+, OpenTofu 1.10+. An unknown version gets none (init must not fail). */
export const hasS3Lockfile = (v: IacVersion | undefined): boolean => v !== undefined && atLeast(v, 1, 10);

/** The S3 backend arguments of Terraform 1.6+ (OpenTofu started from 1.6). */
const hasModernS3Arguments = (v: IacVersion | undefined): boolean => v === undefined || v.product === 'tofu' || atLeast(v, 1, 6);

/** How long terraform waits for a state lock held by someone else before failing the step. */
export const LOCK_TIMEOUT = '120s';

/** An HCL string literal (JSON escapes, plus template sequences neutralised). */
const hclString = (value: string) => JSON.stringify(value).replace(/([$%])\{/g, '$1$1{');

/**
 * The S3 endpoints given to the executor the AWS SDK's way (AWS_ENDPOINT_URL_S3, and _STS for
 * terraform's credential check), passed on to terraform with path-style addressing; in AWS neither is
 * set and terraform talks to S3 itself.
 */
function customEndpoints(env: NodeJS.ProcessEnv, version: IacVersion | undefined): string[] {
  const s3 = env.AWS_ENDPOINT_URL_S3;
  const sts = env.AWS_ENDPOINT_URL_STS;
  if (!hasModernS3Arguments(version)) {
    return [...(s3 ? [`endpoint = ${hclString(s3)}`, 'force_path_style = true'] : []), ...(sts ? [`sts_endpoint = ${hclString(sts)}`] : [])];
  }
  const endpoints = [...(s3 ? [`s3 = ${hclString(s3)}`] : []), ...(sts ? [`sts = ${hclString(sts)}`] : [])];
  return endpoints.length ? [`endpoints = { ${endpoints.join(', ')} }`, ...(s3 ? ['use_path_style = true'] : [])] : [];
}

/** The override file's text for this backend and binary version. */
export function backendOverride(backend: ExecutorContext['backend'], version: IacVersion | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const settings =
    backend.type === 'local'
      ? [`path = ${hclString(backend.path)}`]
      : [
          `bucket = ${hclString(backend.bucket)}`,
          `key = ${hclString(backend.key)}`,
          // terraform lists its workspaces under this prefix at init; the executor may list only under
          // the workspace's state/ prefix (the default, env:/, would be refused: AccessDenied).
          `workspace_key_prefix = ${hclString(`${backend.key.split('/').slice(0, -1).join('/')}/workspaces`)}`,
          `region = ${hclString(backend.region)}`,
          ...(hasS3Lockfile(version) ? ['use_lockfile = true'] : []),
          'encrypt = true',
          ...customEndpoints(env, version),
        ];
  return `terraform {\n  backend "${backend.type}" {\n${settings.map((s) => `    ${s}\n`).join('')}  }\n}\n`;
}

/** The log line saying how the state is locked in this step. */
export function lockingNote(backend: ExecutorContext['backend'], version: IacVersion | undefined): string {
  const name = version ? `${version.product} ${version.major}.${version.minor}.${version.patch}` : 'an unrecognised terraform/tofu version';
  if (backend.type === 'local') return `State locking: the local state file's lock (${name}).`;
  return hasS3Lockfile(version)
    ? `State locking: S3 lock file (${name}), waiting up to ${LOCK_TIMEOUT} for a lock held elsewhere.`
    : `State locking: none (${name} has no S3 lock file; jobs of a workspace still run one at a time).`;
}
