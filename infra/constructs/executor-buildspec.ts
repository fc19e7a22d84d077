/**
 * The executor build: install the workspace's terraform or tofu version, run the same executor program
 * the local engine runs, and export its result (CodeBuild exported variables reach the state machine).
 * The binary goes to /tmp: on Lambda compute the rest of the file system is read-only. The download
 * matches the build's CPU (arm64 on Lambda compute, amd64 on the EC2 standard image) and is checked
 * against the release's published SHA256SUMS before it is unpacked: a build never runs an archive
 * whose sum is missing or differs. A build that ran a plan and its chained apply exports the plan's
 * result too (TK_BOUNDARY), even when the executor died during the apply: the result it wrote at the
 * plan's end reports the apply failed.
 */
import { BOUNDARY_VARIABLE, RESULT_VARIABLES } from '../../shared/runs/executor-contract';

const DEFAULT_TERRAFORM = '1.11.4';
const DEFAULT_TOFU = '1.9.1';
export const IAC_BIN_DIR = '/tmp/iac-bin';
export const IAC_DOWNLOAD_DIR = '/tmp/iac-download';

export function executorBuildSpec(compute: 'lambda' | 'ec2'): Record<string, unknown> {
  return {
    version: '0.2',
    env: { shell: 'bash', 'exported-variables': [...Object.values(RESULT_VARIABLES), BOUNDARY_VARIABLE] },
    phases: {
      install: {
        // The Lambda images carry their one runtime; runtime-versions is for the EC2 standard image.
        ...(compute === 'ec2' ? { 'runtime-versions': { nodejs: 22 } } : {}),
        commands: [
          'set -euo pipefail',
          'case "$(uname -m)" in aarch64|arm64) ARCH=arm64 ;; *) ARCH=amd64 ;; esac',
          `if [ "$TK_IAC" = "tofu" ]; then V="\${TK_IAC_VERSION:-${DEFAULT_TOFU}}"; BASE="https://github.com/opentofu/opentofu/releases/download/v$V"; BIN=tofu; else V="\${TK_IAC_VERSION:-${DEFAULT_TERRAFORM}}"; BASE="https://releases.hashicorp.com/terraform/$V"; BIN=terraform; fi`,
          `ZIP="\${BIN}_\${V}_linux_$ARCH.zip"; mkdir -p ${IAC_BIN_DIR} ${IAC_DOWNLOAD_DIR}`,
          `curl -fsSL --retry 3 -o "${IAC_DOWNLOAD_DIR}/$ZIP" "$BASE/$ZIP" && curl -fsSL --retry 3 -o ${IAC_DOWNLOAD_DIR}/SHA256SUMS "$BASE/\${BIN}_\${V}_SHA256SUMS"`,
          // The release's own list of sums names the archive; anything else (no line, another sum) stops the build.
          `(cd ${IAC_DOWNLOAD_DIR} && awk -v f="$ZIP" '$2 == f' SHA256SUMS > archive.sha256 && [ -s archive.sha256 ] || { echo "$ZIP is not listed in the release's SHA256SUMS" >&2; exit 1; }; sha256sum -c archive.sha256)`,
          // unzip is not on every image: Python's zipfile or bsdtar open the archive as well.
          `A="${IAC_DOWNLOAD_DIR}/$ZIP"; unzip -q -o "$A" "$BIN" -d ${IAC_BIN_DIR} 2>/dev/null || python3 -m zipfile -e "$A" ${IAC_BIN_DIR} 2>/dev/null || bsdtar -xf "$A" -C ${IAC_BIN_DIR} "$BIN"`,
          `chmod +x ${IAC_BIN_DIR}/"$BIN" && ${IAC_BIN_DIR}/"$BIN" version`,
        ],
      },
      build: {
        commands: [`PATH="${IAC_BIN_DIR}:$PATH" node executor.mjs || grep -qs '^${BOUNDARY_VARIABLE}=' result.env`, 'set -a && . ./result.env && set +a'],
      },
    },
  };
}
