/**
 * `npm start`'s DynamoDB Local, watched: when the java process exits (out of memory, killed by an
 * operator) it is started again on the same port and data directory, after a backoff that grows from
 * nothing to a few seconds while restarts keep failing; a process that stops answering (hung) counts as
 * down and is killed after a while, which restarts it. Each change is logged, and listeners hear when it
 * goes down and when it is back (the gateway stops taking writes meanwhile, /healthz answers 503).
 */
import { logger } from '../shared/logger';
import { freePort, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';

export interface SupervisorOptions {
  /** Its port, kept across restarts (default: a free one). */
  port?: number;
  dbPath?: string;
  pidFile?: string;
  /** How often a running DynamoDB Local is asked whether it answers. */
  probeEveryMs?: number;
  /** Unanswered probes in a row before it counts as down. */
  downAfterProbes?: number;
  /** How long it may stay unanswering before it is killed (and so restarted). */
  killUnansweringAfterMs?: number;
}

export interface SupervisedDynamoDb {
  endpoint: string;
  /** The java process now running (it changes with every restart). */
  pid(): number | undefined;
  isUp(): boolean;
  /** Called with false when DynamoDB Local goes down, with true when it answers again. */
  onChange(listener: (up: boolean) => void): void;
  restarts(): number;
  stop(): Promise<void>;
}

/** Waits before restart attempt n (0 = the first after an exit): 0, 0.25, 0.5, 1, 2, 4, then 5 s. */
export const restartDelayMs = (attempt: number) => (attempt === 0 ? 0 : Math.min(250 * 2 ** (attempt - 1), 5000));

/** A DynamoDB Local that stayed up this long has recovered: the next exit starts the backoff again. */
const STABLE_MS = 30_000;

async function answers(endpoint: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status > 0;
  } catch {
    return false;
  }
}

export async function superviseDynamoDbLocal(options: SupervisorOptions = {}): Promise<SupervisedDynamoDb> {
  const probeEveryMs = options.probeEveryMs ?? 2000;
  const downAfterProbes = options.downAfterProbes ?? 3;
  const killAfterMs = options.killUnansweringAfterMs ?? 20_000;
  const port = options.port ?? (await freePort());
  const start = () => startDynamoDbLocal({ dbPath: options.dbPath, pidFile: options.pidFile, port, fastStart: true });
  let current: DynamoDbLocal = await start();
  const endpoint = current.endpoint;
  const listeners: ((up: boolean) => void)[] = [];
  let up = true;
  let restarting = false;
  let stopping = false;
  let restarts = 0;
  let startedAt = Date.now();
  let attempt = 0;

  const setUp = (value: boolean) => {
    if (up === value) return;
    up = value;
    for (const listener of listeners) listener(value);
  };

  const restart = async (how: { code: number | null; signal: NodeJS.Signals | null }) => {
    restarting = true;
    const downSince = Date.now();
    if (downSince - startedAt > STABLE_MS) attempt = 0;
    setUp(false);
    while (!stopping) {
      const delay = restartDelayMs(attempt++);
      logger.warn('DynamoDB Local exited; restarting it', {
        exit: how.signal ?? how.code,
        inMs: delay,
        restart: restarts + 1,
        port,
        dbPath: options.dbPath ?? 'memory',
      });
      await new Promise((r) => setTimeout(r, delay));
      if (stopping) break;
      try {
        current = await start();
      } catch (error) {
        logger.error('DynamoDB Local did not start again', { error: (error as Error).message });
        continue;
      }
      restarts++;
      startedAt = Date.now();
      watch(current);
      logger.warn('DynamoDB Local is back', { downMs: Date.now() - downSince, restarts, pid: current.pid });
      // Probes of the process that died say nothing about this one.
      unanswered = 0;
      restarting = false;
      setUp(true);
      return;
    }
  };

  const watch = (ddb: DynamoDbLocal) => {
    void ddb.exited.then((how) => {
      if (!stopping && ddb === current) void restart(how);
    });
  };
  watch(current);

  // A process that is alive but does not answer is down too; one that stays so long is killed, and so restarted.
  let unanswered = 0;
  let unansweredSince = 0;
  let probing = false;
  const check = async () => {
    const ddb = current;
    // At least a second: a JVM just started on a busy machine is slow, not hung.
    const ok = await answers(endpoint, Math.max(1000, Math.min(probeEveryMs, 2000)));
    if (restarting || stopping || ddb !== current || ddb.pid === undefined) return;
    if (ok) {
      if (unanswered >= downAfterProbes) logger.warn('DynamoDB Local answers again', { afterMs: Date.now() - unansweredSince });
      unanswered = 0;
      setUp(true);
      return;
    }
    if (unanswered++ === 0) unansweredSince = Date.now();
    if (unanswered === downAfterProbes) {
      logger.warn('DynamoDB Local does not answer', { forMs: Date.now() - unansweredSince, pid: ddb.pid });
      setUp(false);
    }
    if (Date.now() - unansweredSince >= killAfterMs) {
      logger.warn('DynamoDB Local stopped answering; killing it to restart it', { pid: ddb.pid });
      unanswered = 0;
      try {
        process.kill(ddb.pid, 'SIGKILL');
      } catch {
        // it ended meanwhile: the exit restarts it
      }
    }
  };
  const probe = setInterval(() => {
    if (probing || restarting || stopping) return;
    probing = true;
    void check().finally(() => (probing = false));
  }, probeEveryMs);
  probe.unref();

  return {
    endpoint,
    pid: () => current.pid,
    isUp: () => up,
    onChange: (listener) => void listeners.push(listener),
    restarts: () => restarts,
    async stop() {
      stopping = true;
      clearInterval(probe);
      await current.stop();
    },
  };
}
