/** Fixtures for the executor tests: a real git repository, a step context and a log in memory. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ExecutorContext } from '../../shared/runs/executor-contract';
import type { LogSink } from '../../executor/log-sink';
import type { Command } from '../../shared/domain/tcl';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

export const MAIN_TF = `variable "greeting" {}

resource "terraform_data" "x" {
  input = var.greeting
}
`;

export interface TestRepo {
  path: string;
  /** main: first commit (tagged v1) and tip. */
  first: string;
  head: string;
  /** Tip of the `feature` branch. */
  feature: string;
}

/**
 * main has two commits (version.txt "first", then "second"), a terraform configuration at its
 * root, a folder `sub/dir`, a broken configuration in `broken` and a symlink `escape` → `../..`.
 */
export function createRepo(path: string): TestRepo {
  mkdirSync(path, { recursive: true });
  git(path, 'init', '-q');
  writeFiles(path, {
    'main.tf': MAIN_TF,
    'version.txt': 'first\n',
    'sub/dir/marker.txt': 'inside sub/dir\n',
    'broken/main.tf': 'resource "terraform_data" {\n',
  });
  symlinkSync('../..', join(path, 'escape'));
  git(path, 'add', '-A');
  git(path, 'commit', '-q', '-m', 'first');
  git(path, 'tag', 'v1');
  const first = git(path, 'rev-parse', 'HEAD');
  writeFiles(path, { 'version.txt': 'second\n' });
  git(path, 'commit', '-q', '-am', 'second');
  const head = git(path, 'rev-parse', 'HEAD');
  git(path, 'checkout', '-q', '-b', 'feature');
  writeFiles(path, { 'version.txt': 'feature\n' });
  git(path, 'commit', '-q', '-am', 'feature');
  const feature = git(path, 'rev-parse', 'HEAD');
  git(path, 'checkout', '-q', 'main');
  return { path, first, head, feature };
}

export function context(repo: TestRepo, stateDir: string, overrides: Partial<ExecutorContext> = {}): ExecutorContext {
  return {
    organizationId: 'org-1',
    workspaceId: 'ws-1',
    jobId: 7,
    stepId: 'step-1',
    stepName: 'Test step',
    stepType: 'customScripts',
    source: repo.path,
    branch: 'main',
    folder: '/',
    iacType: 'terraform',
    refresh: true,
    refreshOnly: false,
    commands: [],
    env: {},
    terraformVars: {},
    secrets: [],
    backend: { get: join(stateDir, 'terraform.tfstate'), put: join(stateDir, 'terraform.tfstate') },
    log: join(stateDir, 'step.log'),
    timeoutSeconds: 120,
    ...overrides,
  };
}

export const script = (text: string, when: Partial<Pick<Command, 'before' | 'after' | 'priority'>> = {}): Command => ({
  runtime: 'BASH',
  priority: 100,
  before: false,
  after: false,
  script: text,
  ...when,
});

/** A log sink that keeps every write, to check both the text and how it was chunked. */
export function memoryLog(): LogSink & { writes: string[]; text(): string } {
  const writes: string[] = [];
  return {
    writes,
    text: () => writes.join(''),
    write: (text) => void writes.push(text),
    flush: async () => undefined,
    close: async () => undefined,
  };
}

/** Processes whose command line contains `marker` (read from /proc, so no ps/pgrep needed). */
export function processesMatching(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker)) found.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** Resolves once `check` holds (polling), or rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Step grants as a real step gets them: URLs signed as `npm start` signs them, served by the engine's object server. */
export async function objectGrants(root: string): Promise<{ url: (method: 'GET' | 'PUT' | 'DELETE', path: string, expiresIn?: number) => string; close: () => Promise<void> }> {
  const { startObjectServer } = await import('../../local/executor-objects');
  const { signObjectUrl } = await import('../../shared/adapters/local/object-urls');
  const { relative } = await import('node:path');
  const secret = 'executor-test-secret';
  const server = await startObjectServer(root, secret);
  return {
    url: (method, path, expiresIn = 600) =>
      signObjectUrl(secret, server.url, { method, path: relative(root, path), expires: Math.floor(Date.now() / 1000) + expiresIn, ...(method === 'PUT' ? { maxBytes: 1 << 30 } : {}) }),
    close: server.close,
  };
}
