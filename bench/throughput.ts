/**
 * Sustained job creation over real HTTP: `npm start`'s entry (local/main.ts) in a child process, using
 * the bench's DynamoDB Local (TERRAKUBE_DYNAMODB_ENDPOINT) and a table of its own, loaded by autocannon
 * from this process (16 connections), so load generator and server do not share an event loop.
 *
 * The 16 workspaces are locked: every POST is a complete, valid job creation (authorizer, org read,
 * id allocation, job put, enqueue on the workspace), but no run starts, so terraform and executor
 * processes do not compete with the API for the 2 cores. A customScripts flow would instead measure
 * the engine (one executor process per job, serialized per workspace), not job creation.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { freePort } from '../local/dynamodb-local';
import { keys } from '../shared/store/keys';
import { jobDocument, tokenFor } from './api';
import { forget, onCleanup, ROOT, WORK } from './env';
import { rawCreateMix, rawPuts } from './raw-dynamodb';

export interface LoadRun {
  label: string;
  organizations: number;
  workspaces: number;
  connections: number;
  durationS: number;
  created: number;
  perSec: number;
  non2xx: number;
  errors: number;
  latencyMs: { p50: number; p97_5: number; p99: number; max: number };
  /** Jobs stored by the run: the 201s plus the requests still in flight when the run stopped. */
  stored: number;
  /** How far the newest job id advanced (newest id after − before). */
  idsAllocated: number;
  /** idsAllocated equals the jobs stored: no id skipped. */
  idsContiguous: boolean;
  /** CPU time per job stored, by process (from /proc): where the 2 cores went. */
  cpuMsPerJob: { server?: number; dynamoDbLocal?: number; loadGenerator?: number };
}

export interface Throughput {
  singleOrg: LoadRun;
  multiOrg: LoadRun;
  rawPutItemsPerSec: number;
  /** The DynamoDB requests of one job creation, sent raw at the same concurrency (no API, no server). */
  rawCreateMixPerSec: number;
  /** Each raw figure is the mean of a run before and a run after the HTTP runs. */
  rawRuns: { putBefore: number; putAfter: number; mixBefore: number; mixAfter: number };
  rawPutConnections: number;
  rawPutDurationS: number;
  ratio: number;
}

interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function startServer(ddbEndpoint: string, tableName: string): Promise<Server> {
  const port = await freePort();
  rmSync(join(WORK, 'server'), { recursive: true, force: true });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['AWS_ENDPOINT_URL_DYNAMODB', 'TERRAKUBE_FILES_DIR'].includes(k)) env[k] = v;
  Object.assign(env, {
    PORT: String(port),
    TABLE_NAME: tableName,
    TERRAKUBE_DYNAMODB_ENDPOINT: ddbEndpoint,
    TERRAKUBE_DATA_DIR: join(WORK, 'server'),
    LOG_LEVEL: 'error',
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  onCleanup('HTTP server', stop, () => child.kill('SIGKILL'));
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  while (!output.includes('listening on')) {
    if (child.exitCode !== null) throw new Error(`the server exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the server did not start within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, pid: child.pid as number, stop };
}

async function http(url: string, method: string, path: string, token: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/vnd.api+json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

interface Target {
  org: string;
  workspace: string;
  template: string;
}

/** `orgs` organizations with `perOrg` locked workspaces each. */
async function prepare(url: string, admin: string, orgs: number, perOrg: number, source: string): Promise<Target[]> {
  const targets: Target[] = [];
  for (let o = 0; o < orgs; o++) {
    const org = (await http(url, 'POST', '/api/v1/organization', admin, { data: { type: 'organization', attributes: { name: `load-${o}-${crypto.randomUUID()}` } } })).data.id;
    const templates = (await http(url, 'GET', `/api/v1/organization/${org}/template`, admin)).data as { id: string; attributes: { name: string } }[];
    const template = templates.find((t) => t.attributes.name === 'Plan')?.id as string;
    for (let w = 0; w < perOrg; w++) {
      const ws = await http(url, 'POST', `/api/v1/organization/${org}/workspace`, admin, {
        data: { type: 'workspace', attributes: { name: `ws-${w}`, source, locked: true } },
      });
      targets.push({ org, workspace: ws.data.id, template });
    }
  }
  return targets;
}

/** Jobs that exist and the newest job id, summed over the organizations. */
async function jobCounts(url: string, admin: string, orgs: string[]): Promise<{ jobs: number; newest: number }> {
  let jobs = 0;
  let newest = 0;
  for (const org of orgs) {
    const page = await http(url, 'GET', `/api/v1/organization/${org}/job?page[size]=1&page[totals]=true`, admin);
    jobs += Number(page.meta?.page?.totalRecords ?? 0);
    newest += Number(page.data[0]?.id ?? 0);
  }
  return { jobs, newest };
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) a process used so far, from /proc (Linux); undefined elsewhere. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000;
  } catch {
    return undefined;
  }
}

function dynamoDbPid(): number | undefined {
  const file = join(WORK, 'dynamodb.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) : undefined;
}

async function load(server: Server, admin: string, targets: Target[], label: string, durationS: number, connections: number): Promise<LoadRun> {
  const url = server.url;
  const orgs = [...new Set(targets.map((t) => t.org))];
  const before = await jobCounts(url, admin, orgs);
  const cpuBefore = { server: processCpuMs(server.pid), ddb: processCpuMs(dynamoDbPid()), self: process.cpuUsage() };
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration: durationS,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/vnd.api+json' },
        setupRequest: (request) => {
          const t = targets[next++ % targets.length] as Target;
          return { ...request, path: `/api/v1/organization/${t.org}/job`, body: JSON.stringify(jobDocument(t.workspace, { templateReference: t.template })) };
        },
      },
    ],
  });
  // Requests still in flight when autocannon stops complete afterwards (uncounted): wait until the
  // organizations stop changing before taking the figures.
  const self = process.cpuUsage(cpuBefore.self);
  const cpuAfter = { server: processCpuMs(server.pid), ddb: processCpuMs(dynamoDbPid()) };
  let after = await jobCounts(url, admin, orgs);
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const again = await jobCounts(url, admin, orgs);
    if (again.jobs === after.jobs && again.newest === after.newest) break;
    after = again;
  }
  const stored = after.jobs - before.jobs;
  const idsAllocated = after.newest - before.newest;
  const perJob = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !stored ? undefined : (b - a) / stored);
  return {
    cpuMsPerJob: {
      server: perJob(cpuBefore.server, cpuAfter.server),
      dynamoDbLocal: perJob(cpuBefore.ddb, cpuAfter.ddb),
      loadGenerator: stored ? (self.user + self.system) / 1000 / stored : undefined,
    },
    label,
    organizations: orgs.length,
    workspaces: targets.length,
    connections,
    durationS: result.duration,
    created: result['2xx'],
    perSec: result['2xx'] / result.duration,
    non2xx: result.non2xx,
    errors: result.errors,
    latencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max },
    stored,
    idsAllocated,
    idsContiguous: idsAllocated === stored,
  };
}

/**
 * HTTP runs in the middle, raw DynamoDB runs (half the duration each) before and after them, averaged:
 * DynamoDB Local (a JVM) keeps warming up and the machine's load drifts, and this way both sides of
 * each ratio see the same drift. The server stays up but idle during the raw runs.
 */
export async function measureThroughput(ddbEndpoint: string, source: string, durationS: number, log: (s: string) => void): Promise<Throughput> {
  const tableName = 'bench_http';
  const connections = 16;
  const server = await startServer(ddbEndpoint, tableName);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  try {
    const admin = await tokenFor('load@bench.local', ['TERRAKUBE_ADMIN']);
    const single = await prepare(server.url, admin, 1, 16, source);
    const multi = await prepare(server.url, admin, 16, 1, source);
    // A short warm-up so the first requests' module and connection setup are not in the numbers.
    await load(server, admin, multi, 'warm-up', 2, connections);
    const first = single[0] as Target;
    const sample = await client.send(new GetCommand({ TableName: tableName, Key: keys.job((multi[0] as Target).org, 1) }));
    if (!sample.Item) throw new Error('no job item to copy for the raw runs');
    const half = durationS / 2;
    const raw = async () => ({
      put: await rawPuts(client, tableName, sample.Item as Record<string, unknown>, connections, half),
      mix: await rawCreateMix(client, tableName, first, sample.Item as Record<string, unknown>, connections, half),
    });
    await rawPuts(client, tableName, sample.Item, connections, 1);
    const before = await raw();
    const singleOrg = await load(server, admin, single, '1 organization × 16 workspaces', durationS, connections);
    log(`  1 org × 16 ws: ${singleOrg.perSec.toFixed(1)} jobs/s, p50 ${singleOrg.latencyMs.p50} ms, non-2xx ${singleOrg.non2xx}`);
    const multiOrg = await load(server, admin, multi, '16 organizations × 1 workspace', durationS, connections);
    log(`  16 orgs × 1 ws: ${multiOrg.perSec.toFixed(1)} jobs/s, p50 ${multiOrg.latencyMs.p50} ms, non-2xx ${multiOrg.non2xx}`);
    const after = await raw();
    const rawPutItemsPerSec = (before.put + after.put) / 2;
    const rawCreateMixPerSec = (before.mix + after.mix) / 2;
    log(`  raw PutItem: ${rawPutItemsPerSec.toFixed(1)} /s (${before.put.toFixed(0)} before, ${after.put.toFixed(0)} after)`);
    log(`  raw DynamoDB requests of a job creation: ${rawCreateMixPerSec.toFixed(1)} /s (${before.mix.toFixed(0)} before, ${after.mix.toFixed(0)} after)`);
    return {
      singleOrg,
      multiOrg,
      rawPutItemsPerSec,
      rawCreateMixPerSec,
      rawRuns: { putBefore: before.put, putAfter: after.put, mixBefore: before.mix, mixAfter: after.mix },
      rawPutConnections: connections,
      rawPutDurationS: durationS,
      ratio: singleOrg.perSec / rawPutItemsPerSec,
    };
  } finally {
    client.destroy();
    await server.stop();
    forget('HTTP server');
  }
}
