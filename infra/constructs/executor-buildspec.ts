/**
 * The executor build: install the workspace's terraform or tofu version, run the same executor program
 * the local engine runs, and export its result (CodeBuild exported variables reach the state machine).
 */
import { RESULT_VARIABLES } from '../../executor/contract';

const DEFAULT_TERRAFORM = '1.11.4';
const DEFAULT_TOFU = '1.9.1';

export function executorBuildSpec(): Record<string, unknown> {
  return {
    version: '0.2',
    env: { shell: 'bash', 'exported-variables': Object.values(RESULT_VARIABLES) },
    phases: {
      install: {
        'runtime-versions': { nodejs: 22 },
        commands: [
          'set -euo pipefail',
          `if [ "$TK_IAC" = "tofu" ]; then V="\${TK_IAC_VERSION:-${DEFAULT_TOFU}}"; URL="https://github.com/opentofu/opentofu/releases/download/v$V/tofu_\${V}_linux_amd64.zip"; BIN=tofu; else V="\${TK_IAC_VERSION:-${DEFAULT_TERRAFORM}}"; URL="https://releases.hashicorp.com/terraform/$V/terraform_\${V}_linux_amd64.zip"; BIN=terraform; fi`,
          'curl -fsSL --retry 3 -o /tmp/iac.zip "$URL" && unzip -q -o /tmp/iac.zip "$BIN" -d /usr/local/bin && "$BIN" version',
        ],
      },
      build: {
        commands: ['node executor.mjs', 'set -a && . ./result.env && set +a'],
      },
    },
  };
}
