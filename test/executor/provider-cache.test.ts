/**
 * The workspace's provider cache (issue 19 item 7), under bash: a fake `terraform` whose `init`
 * "downloads" a provider into TF_PLUGIN_CACHE_DIR unless it is there already, as terraform does. The
 * first step of a workspace downloads and saves the cache; the next step of the same workspace, in a
 * fresh work directory as in a new build, finds it there; a damaged cache costs a download, not the step.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localArtifacts } from '../../executor/artifacts';
import { runStep } from '../../executor/run-step';
import { context, createRepo, memoryLog, type TestRepo } from './helpers';

let root: string;
let repo: TestRepo;
let bin: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tk-provider-cache-test-'));
  repo = createRepo(join(root, 'repo'));
  bin = join(root, 'bin');
  mkdirSync(bin);
  const provider = '"$TF_PLUGIN_CACHE_DIR/registry.terraform.io/hashicorp/null/3.2.3/linux_amd64/terraform-provider-null_v3.2.3_x5"';
  writeFileSync(
    join(bin, 'terraform'),
    `#!/bin/bash\ncase "$1" in\n version) echo "Terraform v1.11.4" ;;\n init)\n  [ "$TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE" = true ] || { echo "no lock-file override" >&2; exit 1; }\n  if [ -f ${provider} ]; then echo "- Using hashicorp/null v3.2.3 from the shared cache directory"; else mkdir -p "$(dirname ${provider})"; head -c 4096 /dev/urandom > ${provider}; echo "- Installed hashicorp/null v3.2.3 (signed by HashiCorp)"; fi ;;\n *) exit 0 ;;\nesac\n`,
  );
  chmodSync(join(bin, 'terraform'), 0o755);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function plan(providerCache: string) {
  const log = memoryLog();
  const result = await runStep(context(repo, join(root, 'state'), { stepType: 'terraformPlan', stepName: 'Plan', providerCache: { get: providerCache, put: providerCache } }), {
    log,
    artifacts: localArtifacts(),
    signal: new AbortController().signal,
    workRoot: mkdtempSync(join(root, 'work-')),
    environment: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  return { result, log: log.text() };
}

describe('the provider cache of a workspace', () => {
  it('is saved by the first step that downloads a provider and used by the next step of the workspace', async () => {
    const cache = join(root, 'artifacts', 'cache', 'org-1', 'ws-1', 'providers.tgz');
    const first = await plan(cache);
    expect(first.result, first.log).toMatchObject({ status: 'completed' });
    expect(first.log).toContain('Installed hashicorp/null v3.2.3');
    expect(first.log).toContain('Providers: saved the workspace cache.');
    const saved = readFileSync(cache);

    const second = await plan(cache);
    expect(second.result, second.log).toMatchObject({ status: 'completed' });
    expect(second.log).toContain('Providers: restored the workspace cache.');
    expect(second.log).toContain('Using hashicorp/null v3.2.3 from the shared cache directory');
    expect(second.log).not.toContain('saved the workspace cache'); // nothing new: not uploaded again
    expect(readFileSync(cache).equals(saved)).toBe(true);
  });

  it('downloads again when the cache is damaged, and the step still runs', async () => {
    const cache = join(root, 'artifacts', 'cache', 'org-1', 'ws-2', 'providers.tgz');
    mkdirSync(join(cache, '..'), { recursive: true });
    writeFileSync(cache, 'not an archive');
    const { result, log } = await plan(cache);
    expect(result, log).toMatchObject({ status: 'completed' });
    expect(log).toMatch(/Providers: the workspace cache could not be restored \(.+\); downloading them\./);
    expect(log).toContain('Installed hashicorp/null v3.2.3');
    expect(log).toContain('Providers: saved the workspace cache.');
  });
});
