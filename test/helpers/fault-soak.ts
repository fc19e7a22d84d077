/**
 * The fault soak (issue 13), shared by `npm test` (test/reliability/fault-soak.test.ts) and `npm run bench`:
 * `npm start` as a real process on its own data directory, a steady stream of job creations over HTTP
 * across a few workspaces, and faults on a schedule: the whole service SIGKILLed and started again (as
 * an operator or a process manager would), or its DynamoDB Local alone SIGKILLed (the service's
 * supervisor restarts it). It records every answer and how long the service took to accept a job again
 * after each fault, then waits for every job to end and reads them all back.
 *
 * Each job is one script step that takes a per-workspace lock (flock) for its lifetime: two steps of one
 * workspace running at the same time would find it taken and say so in a file, whatever the API claims.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issuePersonalAccessToken } from '../../shared/auth/tokens';
import { freePort } from '../../local/dynamodb-local';
import { startServer, type RunningServer } from './server';
import { collectJobs, overlapsOf, type StoredJob } from './fault-soak-jobs';

export type FaultKind = 'service' | 'dynamodb';

export interface SoakOptions {
  /** A git repository the workspaces check out. */
  source: string;
  workspaces: number;
  faults: FaultKind[];
  /** Steady stream before the first fault and after each recovery. */
  steadyMs: number;
  /** After the last fault the stream goes on until this many jobs were acknowledged (201). */
  minAcknowledged: number;
  /** A creation is sent this often (a few may be in flight at once). */
  createEveryMs: number;
  /** A fault the service has not recovered from after this long fails the soak. */
  recoverWithinMs: number;
  /** Every job must have ended this long after the stream stopped. */
  drainWithinMs: number;
  log?: (line: string) => void;
}

export interface FaultRecord {
  kind: FaultKind;
  /** ms after the stream started. */
  at: number;
  /** From the fault to the first creation answered 201 that was sent after it. */
  recoveredMs?: number;
  /** A restarted service: from the fault until it listened again. */
  restartMs?: number;
  answered503: number;
  unreachable: number;
  /** DynamoDB Local killed: how long /healthz answered 503 (polled every 100 ms). */
  healthUnavailableMs?: number;
}

export interface SoakReport {
  acknowledged: number;
  completed: number;
  /** Failed jobs with their output (the reason). */
  failed: { id: string; output: string }[];
  /** Acknowledged jobs not found, or found but not ended when the drain deadline passed. */
  missing: string[];
  notEnded: { id: string; status: string }[];
  /** Every job in the organization (acknowledged or not: a creation cut off by a fault may still have committed). */
  stored: number;
  answers: Record<string, number>;
  /** Answers the soak does not accept: a 500, a 503 without Retry-After or error document, a refused connection while the service was up. */
  unexpected: string[];
  /** Two jobs of a workspace running at once: by their steps' recorded times, and by the lock the steps take. */
  overlaps: string[];
  lockCollisions: number;
  faults: FaultRecord[];
  streamMs: number;
  drainMs: number;
  /** What each service process printed (its log lines), in order. */
  serverOutput: string[];
}

interface Sent {
  sentAt: number;
  answeredAt?: number;
  outcome?: string;
  id?: string;
}

const SECRET = 'fault-soak-secret-fault-soak-secret-fault-soak';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tcl = (lockDir: string, ws: number) =>
  Buffer.from(
    `flow:\n  - type: customScripts\n    name: locked\n    step: 100\n    commands:\n      - { script: "exec 9>>${lockDir}/ws-${ws}.lock; flock -n 9 || echo ws-${ws} >> ${lockDir}/collisions; sleep 0.1" }\n`,
  ).toString('base64');

/** Polls /healthz until stopped; the time from its first 503 to its last (0: none seen). */
function watchHealth(url: string): { stop: () => Promise<number> } {
  let watching = true;
  let first: number | undefined;
  let last = 0;
  const polling = (async () => {
    while (watching || (first !== undefined && last === 0)) {
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        if (res.status === 503) first ??= Date.now();
        else if (first !== undefined) last = Date.now();
        if (last) return;
      } catch {
        // a slow answer: ask again
      }
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      watching = false;
      await polling;
      return first === undefined ? 0 : last - first;
    },
  };
}

export async function runFaultSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'terrakube-soak-'));
  const lockDir = join(dataDir, 'locks');
  mkdirSync(lockDir);
  const env = { TERRAKUBE_DATA_DIR: dataDir, TERRAKUBE_PAT_SECRET: SECRET, PORT: String(await freePort()), LOG_LEVEL: 'warn' };
  const outputs: (() => string)[] = [];
  const start = async () => {
    const started = await startServer(env);
    outputs.push(started.output);
    return started;
  };
  let server: RunningServer = await start();
  const url = server.url;
  const admin = await issuePersonalAccessToken({ email: 'soak@example.com', groups: ['TERRAKUBE_ADMIN'] }, SECRET);
  const api = (method: string, path: string, body?: unknown, timeoutMs = 20_000) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/vnd.api+json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
  const create = async (path: string, type: string, attributes: Record<string, unknown>) => {
    const res = await api('POST', path, { data: { type, attributes } });
    if (res.status !== 201) throw new Error(`setup: POST ${path} answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { data: { id: string } }).data.id;
  };
  try {
    const org = await create('/api/v1/organization', 'organization', { name: `soak-${Date.now()}` });
    const workspaces: string[] = [];
    for (let i = 0; i < options.workspaces; i++)
      workspaces.push(await create(`/api/v1/organization/${org}/workspace`, 'workspace', { name: `soak-${i}`, source: options.source }));

    const t0 = Date.now();
    const sent: Sent[] = [];
    const unexpected: string[] = [];
    const faults: FaultRecord[] = [];
    /** While the service process is down, refused connections are expected. */
    const serviceDown: { from: number; to?: number }[] = [];
    let streaming = true;
    let n = 0;

    const createOne = async (): Promise<void> => {
      const ws = n++ % workspaces.length;
      const entry: Sent = { sentAt: Date.now() };
      sent.push(entry);
      const doc = {
        data: { type: 'job', attributes: { tcl: tcl(lockDir, ws) }, relationships: { workspace: { data: { type: 'workspace', id: workspaces[ws] } } } },
      };
      try {
        const res = await api('POST', `/api/v1/organization/${org}/job`, doc);
        const text = await res.text();
        entry.outcome = String(res.status);
        if (res.status === 201) entry.id = (JSON.parse(text) as { data: { id: string } }).data.id;
        else if (res.status !== 503) unexpected.push(`${res.status} at ${Date.now() - t0} ms: ${text.slice(0, 300)}`);
        else if (!res.headers.get('retry-after') || (JSON.parse(text) as { errors?: { status?: string }[] }).errors?.[0]?.status !== '503')
          unexpected.push(`a 503 without Retry-After or error document: ${text.slice(0, 300)}`);
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        entry.outcome = timedOut ? 'timeout' : 'unreachable';
        const during = (t: number) => serviceDown.some((d) => t >= d.from && t <= (d.to ?? Infinity));
        if (timedOut || !(during(entry.sentAt) || during(Date.now())))
          unexpected.push(`${entry.outcome} at ${entry.sentAt - t0} ms while the service was up: ${(error as Error).message}`);
      } finally {
        entry.answeredAt = Date.now();
      }
    };
    const inFlight = new Set<Promise<void>>();
    const stream = (async () => {
      while (streaming) {
        if (inFlight.size < 4) {
          const p = createOne().finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        await sleep(options.createEveryMs);
      }
      await Promise.all(inFlight);
    })();

    const acknowledged = () => sent.filter((s) => s.id).length;
    const recovery = async (fault: FaultRecord, since: number) => {
      const deadline = since + options.recoverWithinMs;
      for (;;) {
        const first = sent.find((s) => s.sentAt >= since && s.outcome === '201');
        if (first) return (fault.recoveredMs = (first.answeredAt ?? Date.now()) - since);
        if (Date.now() > deadline) throw new Error(`no job accepted ${options.recoverWithinMs} ms after the ${fault.kind} fault`);
        await sleep(50);
      }
    };
    const steady = async () => {
      const from = Date.now();
      while (Date.now() - from < options.steadyMs || !sent.some((s) => s.sentAt >= from && s.outcome === '201')) await sleep(50);
    };

    await steady();
    for (const kind of options.faults) {
      const since = Date.now();
      const fault: FaultRecord = { kind, at: since - t0, answered503: 0, unreachable: 0 };
      faults.push(fault);
      if (kind === 'service') {
        const down: { from: number; to?: number } = { from: since };
        serviceDown.push(down);
        await server.stop('SIGKILL');
        server = await start();
        fault.restartMs = Date.now() - since;
        down.to = Date.now() + 1000;
        await recovery(fault, since);
      } else {
        process.kill(Number(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8')), 'SIGKILL');
        const health = watchHealth(url);
        await recovery(fault, since);
        fault.healthUnavailableMs = await health.stop();
      }
      const window = sent.filter((s) => s.sentAt >= since && s.sentAt < since + (fault.recoveredMs ?? 0));
      fault.answered503 = window.filter((s) => s.outcome === '503').length;
      fault.unreachable = window.filter((s) => s.outcome === 'unreachable').length;
      const health = fault.healthUnavailableMs === undefined ? '' : `, /healthz 503 for ${fault.healthUnavailableMs} ms`;
      log(
        `${kind} fault at ${fault.at} ms: a job accepted again after ${fault.recoveredMs} ms (${fault.answered503} × 503, ${fault.unreachable} refused${health})`,
      );
      await steady();
    }
    while (acknowledged() < options.minAcknowledged) await sleep(50);
    streaming = false;
    await stream;
    const streamMs = Date.now() - t0;

    const drainStart = Date.now();
    const ids = sent.flatMap((s) => (s.id ? [s.id] : []));
    let jobs: StoredJob[] = [];
    for (;;) {
      jobs = await collectJobs(api, org);
      const live = jobs.filter((j) => !j.ended);
      const missing = ids.filter((id) => !jobs.some((j) => j.id === id));
      if ((live.length === 0 && missing.length === 0) || Date.now() - drainStart > options.drainWithinMs) break;
      await sleep(500);
    }
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const answers: Record<string, number> = {};
    for (const s of sent) answers[s.outcome ?? 'none'] = (answers[s.outcome ?? 'none'] ?? 0) + 1;
    let lockCollisions = 0;
    try {
      lockCollisions = readFileSync(join(lockDir, 'collisions'), 'utf8').trim().split('\n').filter(Boolean).length;
    } catch {
      // no collision file: none
    }
    return {
      acknowledged: ids.length,
      completed: ids.filter((id) => byId.get(id)?.status === 'completed').length,
      failed: jobs.filter((j) => j.status === 'failed').map((j) => ({ id: j.id, output: j.output })),
      missing: ids.filter((id) => !byId.has(id)),
      notEnded: jobs.filter((j) => !j.ended).map((j) => ({ id: j.id, status: j.status })),
      stored: jobs.length,
      answers,
      unexpected,
      overlaps: overlapsOf(jobs),
      lockCollisions,
      faults,
      streamMs,
      drainMs: Date.now() - drainStart,
      serverOutput: outputs.map((o) => o()),
    };
  } finally {
    await server.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
