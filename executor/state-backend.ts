/**
 * The workspace's state backend as terraform/tofu sees it: a backend override file written into the
 * step's folder before `init`, naming the `http` backend (every terraform and tofu version has it)
 * with no settings: the executor's state proxy (state-proxy.ts) gives its address through TF_HTTP_*.
 * The file is the same for every step and job, so an initialised folder never sees its backend change.
 */
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

/** How long terraform waits for a state lock held by someone else before failing the step. */
export const LOCK_TIMEOUT = '120s';

export const BACKEND_OVERRIDE_FILE = 'zz_terrakube_backend_override.tf';

/** The override file's text. */
export function backendOverride(): string {
  return 'terraform {\n  backend "http" {}\n}\n';
}

/** The log line saying how the state is kept and locked in this step. */
export function lockingNote(version: IacVersion | undefined): string {
  const name = version ? `${version.product} ${version.major}.${version.minor}.${version.patch}` : 'an unrecognised terraform/tofu version';
  return `State: the workspace's state through the step's own grant (${name}, http backend); locked for this step, and jobs of a workspace run one at a time.`;
}
