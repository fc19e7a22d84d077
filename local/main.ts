/**
 * `npm start`: the whole service on one machine. DynamoDB Local (kept under TERRAKUBE_DATA_DIR, or in
 * memory with TERRAKUBE_DATA_DIR=memory), the table, and the HTTP API on PORT (default 8080) served by
 * the same handler modules as the Lambda functions. SIGINT/SIGTERM stop everything, java included.
 *
 * DynamoDB Local is supervised (local/dynamodb-supervisor.ts): if it dies it is started again on the
 * same data; meanwhile writes get 503, /healthz 503, and runs wait (their retries), then carry on.
 */
import { issuePersonalAccessToken } from '../shared/auth/tokens';
import { useRunControl, useScheduleTrigger, useTransactionBarrier } from '../shared/wiring';
import { installLocalAdapters } from '../shared/wiring-local';
import { reconcile, resumeRuns } from '../shared/run-tasks/reconcile';
import { retryTransient } from '../shared/runs/transient-retry';
import { timerScheduleTrigger } from '../shared/adapters/local/timer-schedule-trigger';
import { fireSchedule } from '../shared/schedules/fire';
import { listAllSchedules } from '../shared/store/repositories/schedules';
import { LocalEngine } from './engine';
import { logger } from '../shared/logger';
import { exportServiceEnvironment, loadConfig, localAwsEnvironment } from './config';
import { reportDependency } from './dependencies';
import { freePort } from './dynamodb-local';
import { transactionBarrier } from './transaction-barrier';
import { superviseDynamoDbLocal } from './dynamodb-supervisor';
import { preloadHandlers, startHttpServer } from './server';
import { attachSubscriptions } from './subscriptions';
import { ensureTable } from '../shared/store/ensure-table';
import { join } from 'node:path';

async function main(): Promise<void> {
  const started = performance.now();
  localAwsEnvironment();
  const config = loadConfig();
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // A shutdown step that hangs must not keep the process (and its DynamoDB Local) alive.
    setTimeout(() => process.exit(code), 20_000).unref();
    for (const s of stops.reverse()) await s().catch((e) => logger.error('shutdown step failed', { error: e }));
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // The terminal or pipe it logs to went away (EPIPE): keep serving without logs. Unhandled, each failed
  // write was an uncaught exception whose log line failed again, a busy loop that never ended.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception', { error });
    void stop(1);
  });

  try {
    // DynamoDB Local (java) starts while the engine bundles the executor and the handlers load.
    // TERRAKUBE_DYNAMODB_ENDPOINT: use a DynamoDB (Local) that is already running instead (not supervised).
    const external = config.dynamoDbEndpoint;
    const port = external ? undefined : await freePort();
    exportServiceEnvironment(config, external ?? `http://127.0.0.1:${port}`);
    installLocalAdapters();
    // Each part is stopped at shutdown as soon as it started, even if another part fails to start.
    const [ddb, engine] = await Promise.all([
      external
        ? undefined
        : superviseDynamoDbLocal({ port, dbPath: config.dynamoDbPath, pidFile: config.dataDir ? join(config.dataDir, 'dynamodb.pid') : undefined }).then((d) => {
            stops.push(() => d.stop());
            return d;
          }),
      LocalEngine.create({ filesDir: config.filesDir, timeouts: config.timeouts }).then((e) => {
        stops.push(() => e.shutdown());
        return e;
      }),
      preloadHandlers(),
    ]);
    ddb?.onChange((up) => {
      reportDependency('DynamoDB Local', up);
      // Whatever could not be recorded while it was away (a run that ended meanwhile) is settled now.
      if (up)
        void retryTransient('resume runs', () => resumeRuns(engine)).catch((error) => logger.error('runs not resumed after DynamoDB Local came back', { error }));
    });
    await ensureTable(config.tableName);
    if (ddb && config.dynamoDbPath) useTransactionBarrier(transactionBarrier(ddb.endpoint, () => config.tableName));
    useRunControl(engine);
    // Jobs that were running when the previous process stopped are resumed or failed, never left stuck.
    await reconcile(engine);
    // One timer per enabled schedule, rebuilt from the table (with at most one catch-up fire each).
    const schedules = timerScheduleTrigger((scheduleId, at) => fireSchedule({ scheduleId, fireTime: at.toISOString() }));
    useScheduleTrigger(schedules);
    stops.push(async () => schedules.stop());
    await schedules.armAll(await listAllSchedules());
    const http = await startHttpServer(config.port, '0.0.0.0', {
      corsOrigins: config.corsOrigins,
      tls: config.tls,
      objects: { root: config.filesDir, secret: config.patSecret },
    });
    stops.push(() => http.close());
    const subscriptions = attachSubscriptions(http.server);
    stops.push(() => subscriptions.close());

    const lines = [
      `Terrakube Jobs API listening on ${http.url} (ready in ${Math.round(performance.now() - started)} ms)`,
      `data: ${config.dataDir ?? 'in memory'}`,
      `schedules armed: ${schedules.armed().size}`,
    ];
    if (config.generatedSecret) {
      const token = await issuePersonalAccessToken({ email: 'admin@local', groups: [config.adminGroup] }, config.patSecret);
      lines.push('admin token (30 days; more with `npm run token -- --email you@example.com --groups TERRAKUBE_ADMIN`):', token);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (error) {
    logger.error('start failed', { error });
    await stop(1);
  }
}

void main();
