/** What the numbers were measured on, read from the running machine. */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, freemem, loadavg, release, totalmem, type as osType } from 'node:os';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { jarDirectory } from '../local/dynamodb-local';
import { ROOT } from './env';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  os: string;
  node: string;
  terraform: string;
  java: string;
  dynamoDbLocal: string;
  commit: string;
  /** Files the working tree changes against that commit (the bench measures the tree as it is). */
  uncommittedFiles: number;
  /** Load average at the start of the run (other processes on the machine add noise). */
  loadAverage: number[];
  date: string;
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    return (e.stderr ?? e.message).trim();
  }
}

function terraformVersion(): string {
  try {
    return (JSON.parse(run('terraform', ['version', '-json'])) as { terraform_version: string }).terraform_version;
  } catch {
    return 'not found';
  }
}

/** `java -version` prints to stderr. */
function javaVersion(): string {
  const res = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return (res.stderr || res.stdout || 'not found').split('\n')[0]?.trim() ?? 'not found';
}

export function describeMachine(): Machine {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()} ${process.arch}`,
    node: process.version,
    terraform: terraformVersion(),
    java: javaVersion(),
    dynamoDbLocal: basename(jarDirectory()),
    commit: run('git', ['rev-parse', '--short', 'HEAD']),
    uncommittedFiles: run('git', ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no']).split('\n').filter(Boolean).length,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

/** Cumulative CPU ticks of the machine (Linux /proc/stat): all, idle (+iowait) and steal. */
export function cpuTicks(): { total: number; idle: number; steal: number } | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait, steal };
  } catch {
    return undefined;
  }
}
