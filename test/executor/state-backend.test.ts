/**
 * The state backend by binary version (issue 19 item 2), run under bash: a fake `tofu`/`terraform` on
 * PATH answers `version` like the real release and checks the backend override at `init` the way that
 * release does (OpenTofu and Terraform before 1.10 refuse `use_lockfile`), recording every command
 * line. The real terraform 1.11 runs the S3 backend with its lock file in the cloud-assembly test.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localArtifacts } from '../../executor/artifacts';
import { runStep } from '../../executor/run-step';
import { backendOverride, hasS3Lockfile, parseIacVersion } from '../../executor/state-backend';
import { context, createRepo, memoryLog, type TestRepo } from './helpers';

let root: string;
let repo: TestRepo;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tk-backend-test-'));
  repo = createRepo(join(root, 'repo'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const S3 = { type: 's3' as const, bucket: 'artifacts', key: 'state/org-1/ws-1/terraform.tfstate', region: 'eu-west-1' };

/** A fake binary printing `banner` for `version`; at init it fails, as that release does, on an argument it does not know. */
function fakeBinary(name: string, banner: string, refuses: string[]): { dir: string; calls: () => string[] } {
  const dir = mkdtempSync(join(root, 'bin-'));
  const calls = join(dir, 'calls');
  const refusal = refuses.map((arg) => `  if grep -q '^ *${arg} *=' zz_terrakube_backend_override.tf; then echo "Error: Unsupported argument \\"${arg}\\"" >&2; exit 1; fi`).join('\n');
  writeFileSync(
    join(dir, name),
    `#!/bin/bash\necho "$*" >> "${calls}"\ncase "$1" in\n version) echo "${banner}"; echo "on linux_amd64" ;;\n init)\n${refusal}\n  echo "Initialized" ;;\n plan) exit 0 ;;\n *) exit 0 ;;\nesac\n`,
  );
  chmodSync(join(dir, name), 0o755);
  return { dir, calls: () => readFileSync(calls, 'utf8').trim().split('\n') };
}

async function plan(iacType: 'terraform' | 'tofu', bin: { dir: string }) {
  const log = memoryLog();
  const workRoot = mkdtempSync(join(root, 'work-'));
  mkdirSync(join(root, 'state'), { recursive: true });
  const result = await runStep(context(repo, join(root, 'state'), { stepType: 'terraformPlan', stepName: 'Plan', iacType, backend: S3 }), {
    log,
    artifacts: localArtifacts(),
    signal: new AbortController().signal,
    workRoot,
    environment: { ...process.env, PATH: `${bin.dir}:${process.env.PATH}` },
  });
  return { result, log: log.text() };
}

describe('the state backend follows the binary version', () => {
  it('runs OpenTofu 1.9 without a lock file (it refuses use_lockfile), with a lock timeout on every state command', async () => {
    const tofu = fakeBinary('tofu', 'OpenTofu v1.9.1', ['use_lockfile']);
    const { result, log } = await plan('tofu', tofu);
    expect(result, log).toMatchObject({ status: 'completed', message: 'plan found no changes' });
    expect(log).toContain('State locking: none (tofu 1.9.1 has no S3 lock file');
    const calls = tofu.calls();
    expect(calls[0]).toBe('version');
    expect(calls.find((c) => c.startsWith('plan '))).toContain('-lock-timeout=120s');
  });

  it('locks with the S3 lock file from OpenTofu 1.10 and Terraform 1.10', async () => {
    for (const [iac, banner] of [['tofu', 'OpenTofu v1.10.0'], ['terraform', 'Terraform v1.10.5']] as const) {
      const bin = fakeBinary(iac, banner, []);
      const { result, log } = await plan(iac, bin);
      expect(result.status, log).toBe('completed');
      expect(log).toMatch(/State locking: S3 lock file \((tofu 1\.10\.0|terraform 1\.10\.5)\)/);
    }
  });

  it('fails a workspace pinned below 1.10 at init no more: Terraform 1.9 gets no use_lockfile', async () => {
    const terraform = fakeBinary('terraform', 'Terraform v1.9.8', ['use_lockfile']);
    expect((await plan('terraform', terraform)).result.status).toBe('completed');
  });

  it('renders the backend arguments each release knows', () => {
    const v = (text: string) => parseIacVersion(text);
    expect(v('Terraform v1.11.4\non linux_arm64')).toEqual({ product: 'terraform', major: 1, minor: 11, patch: 4 });
    expect(v('OpenTofu v1.9.1')).toEqual({ product: 'tofu', major: 1, minor: 9, patch: 1 });
    expect(v('something else')).toBeUndefined();
    expect([hasS3Lockfile(v('Terraform v1.9.8')), hasS3Lockfile(v('Terraform v1.10.0')), hasS3Lockfile(v('OpenTofu v2.0.0')), hasS3Lockfile(undefined)]).toEqual([false, true, true, false]);
    const env = { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9001' };
    expect(backendOverride(S3, v('Terraform v1.5.7'), env)).toContain('endpoint = "http://127.0.0.1:9000"\n    force_path_style = true\n    sts_endpoint = "http://127.0.0.1:9001"');
    expect(backendOverride(S3, v('Terraform v1.11.4'), env)).toContain('use_lockfile = true\n    encrypt = true\n    endpoints = { s3 = "http://127.0.0.1:9000", sts = "http://127.0.0.1:9001" }\n    use_path_style = true');
    expect(backendOverride(S3, v('Terraform v1.11.4'), {})).not.toContain('endpoint');
  });
});
