/**
 * The executor buildspec's shell, run for real with bash: the install phase picks the binary for the
 * CPU and the requested version, unpacks it (with or without `unzip` on the image), and the build
 * phase finds it on PATH and exports what the executor wrote. Only the download is faked: a `curl` on
 * PATH that records the URL and serves a prepared zip, and for the release's SHA256SUMS a list naming
 * that zip with its real sum (or, to prove the check, with another sum or without it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RESULT_VARIABLES } from '../../shared/runs/executor-contract';
import { executorBuildSpec, IAC_BIN_DIR, IAC_DOWNLOAD_DIR } from '../../infra/constructs/executor-buildspec';

type Phases = { install: { commands: string[]; 'runtime-versions'?: unknown }; build: { commands: string[] } };

function executable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/** A build directory, a fake curl serving a zip holding a `terraform` and a `tofu` that print their name. */
function buildRoom(options: { withoutUnzip?: boolean; sums?: 'right' | 'wrong' | 'unlisted' } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'buildspec-'));
  const fakes = join(root, 'fakes');
  const payload = join(root, 'payload');
  mkdirSync(fakes);
  mkdirSync(payload);
  executable(join(payload, 'terraform'), '#!/bin/sh\necho "fake terraform $*"\n');
  executable(join(payload, 'tofu'), '#!/bin/sh\necho "fake tofu $*"\n');
  execFileSync('zip', ['-q', '-j', join(root, 'iac.zip'), join(payload, 'terraform'), join(payload, 'tofu')]);
  // The sums list names the last archive served: with its sum, another one, or not at all.
  const sum = { right: `$(sha256sum "${root}/iac.zip" | cut -d" " -f1)`, wrong: '0'.repeat(64), unlisted: '' }[options.sums ?? 'right'];
  const other = 'echo "$sum  other_1.0.0_linux_amd64.zip"';
  const listing = options.sums === 'unlisted' ? other : `echo "$sum  $(cat "${root}/last-zip")"; ${other}`;
  executable(
    join(fakes, 'curl'),
    `#!/bin/bash\nout=""; url=""\nwhile [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac; done\necho "$url" >> "${root}/urls"\n` +
      `case "$url" in *_SHA256SUMS) sum="${sum || '0'.repeat(64)}"; { ${listing}; } > "$out" ;; *) cp "${root}/iac.zip" "$out"; basename "$url" > "${root}/last-zip" ;; esac\n`,
  );
  if (options.withoutUnzip) executable(join(fakes, 'unzip'), '#!/bin/sh\nexit 127\n');
  return { root, fakes, bin: join(root, 'iac-bin') };
}

function runPhases(compute: 'lambda' | 'ec2', env: Record<string, string>, room: ReturnType<typeof buildRoom>, executorScript: string) {
  const phases = executorBuildSpec(compute).phases as Phases;
  // The spec installs into /tmp/iac-bin; the test keeps each run in its own directory.
  const commands = [...phases.install.commands, ...phases.build.commands].map((c) => c.replaceAll(IAC_BIN_DIR, room.bin).replaceAll(IAC_DOWNLOAD_DIR, join(room.root, 'download')));
  writeFileSync(join(room.root, 'executor.mjs'), executorScript);
  const script = [...commands, ...Object.values(RESULT_VARIABLES).map((name) => `echo "${name}=\${${name}:-}"`)].join('\n');
  return spawnSync('bash', ['-c', script], {
    cwd: room.root,
    encoding: 'utf8',
    env: { PATH: `${room.fakes}:${process.env.PATH}`, HOME: room.root, ...env },
  });
}

const writesResult = `import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
const bin = process.env.TK_IAC === 'tofu' ? 'tofu' : 'terraform';
const out = execFileSync(bin, ['version'], { encoding: 'utf8' }).trim();
writeFileSync('result.env', ${JSON.stringify(`${Object.values(RESULT_VARIABLES)[0]}=`)} + JSON.stringify(out) + '\\n');
`;

describe('the executor buildspec', () => {
  it('installs the requested terraform for this CPU, puts it on the executor PATH and exports the result', () => {
    const room = buildRoom();
    const run = runPhases('lambda', { TK_IAC: 'terraform', TK_IAC_VERSION: '1.9.8' }, room, writesResult);
    expect(run.status, run.stderr).toBe(0);
    const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
    expect(readFileSync(join(room.root, 'urls'), 'utf8').trim().split('\n')).toEqual([
      `https://releases.hashicorp.com/terraform/1.9.8/terraform_1.9.8_linux_${arch}.zip`,
      'https://releases.hashicorp.com/terraform/1.9.8/terraform_1.9.8_SHA256SUMS',
    ]);
    expect(run.stdout).toContain(`terraform_1.9.8_linux_${arch}.zip: OK`);
    expect(run.stdout).toContain(`${Object.values(RESULT_VARIABLES)[0]}=fake terraform version`);
  });

  it('installs tofu (default version) even where the image has no unzip', () => {
    const room = buildRoom({ withoutUnzip: true });
    const run = runPhases('ec2', { TK_IAC: 'tofu', TK_IAC_VERSION: '' }, room, writesResult);
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(join(room.root, 'urls'), 'utf8')).toMatch(/opentofu\/releases\/download\/v1\.9\.1\/tofu_1\.9\.1_linux_(amd64|arm64)\.zip\n.+\/v1\.9\.1\/tofu_1\.9\.1_SHA256SUMS\n/);
    expect(run.stdout).toContain(`${Object.values(RESULT_VARIABLES)[0]}=fake tofu version`);
  });

  it('refuses an archive whose sum differs from the release\'s, or that the release does not list, before unpacking it', () => {
    for (const sums of ['wrong', 'unlisted'] as const) {
      const room = buildRoom({ sums });
      const run = runPhases('lambda', { TK_IAC: 'terraform', TK_IAC_VERSION: '1.11.4' }, room, writesResult);
      expect(run.status, sums).not.toBe(0);
      expect(run.stdout + run.stderr).toMatch(sums === 'wrong' ? /terraform_1\.11\.4_linux_\w+\.zip: FAILED/ : /is not listed in the release's SHA256SUMS/);
      expect(existsSync(join(room.bin, 'terraform')), sums).toBe(false);
      expect(run.stdout).not.toContain('fake terraform version');
    }
  });

  it('fails the build when the download fails', () => {
    const room = buildRoom();
    executable(join(room.fakes, 'curl'), '#!/bin/sh\necho "curl: (22) The requested URL returned error: 404" >&2\nexit 22\n');
    const run = runPhases('lambda', { TK_IAC: 'terraform', TK_IAC_VERSION: '0.0.0' }, room, writesResult);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('404');
  });
});
