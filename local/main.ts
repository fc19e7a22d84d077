/**
 * `npm start`: the whole service on one machine. DynamoDB Local (kept under TERRAKUBE_DATA_DIR, or in
 * memory with TERRAKUBE_DATA_DIR=memory), the table, and the HTTP API on PORT (default 8080) served by
 * the same handler modules as the Lambda functions. SIGINT/SIGTERM stop everything, java included.
 */
import { issuePersonalAccessToken } from '../shared/auth/tokens';
import { useRunControl } from '../shared/wiring';
import { reconcile } from '../shared/run-tasks/reconcile';
import { LocalEngine } from './engine';
import { logger } from '../shared/logger';
import { exportServiceEnvironment, loadConfig, localAwsEnvironment } from './config';
import { startDynamoDbLocal } from './dynamodb-local';
import { preloadHandlers, startHttpServer } from './server';
import { ensureTable } from '../shared/store/ensure-table';
import { join } from 'node:path';

async function main(): Promise<void> {
  const started = performance.now();
  localAwsEnvironment();
  const config = loadConfig();
  // TERRAKUBE_DYNAMODB_ENDPOINT: use a DynamoDB (Local) that is already running instead of starting one.
  const external = config.dynamoDbEndpoint;
  const ddb = external
    ? { endpoint: external, stop: async () => undefined }
    : await startDynamoDbLocal({ dbPath: config.dynamoDbPath, pidFile: config.dataDir ? join(config.dataDir, 'dynamodb.pid') : undefined });
  const stops: (() => Promise<void>)[] = [() => ddb.stop()];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const s of stops.reverse()) await s().catch((e) => logger.error('shutdown step failed', { error: e }));
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception', { error });
    void stop(1);
  });

  try {
    exportServiceEnvironment(config, ddb.endpoint);
    await ensureTable(config.tableName);
    const engine = await LocalEngine.create({ filesDir: config.filesDir, timeouts: config.timeouts });
    useRunControl(engine);
    stops.push(() => engine.shutdown());
    // Jobs that were running when the previous process stopped are resumed or failed, never left stuck.
    await reconcile(engine);
    await preloadHandlers();
    const http = await startHttpServer(config.port, '0.0.0.0', { tls: config.tls, objects: { root: config.filesDir, secret: config.patSecret } });
    stops.push(() => http.close());

    const lines = [
      `Terrakube Jobs API listening on ${http.url} (ready in ${Math.round(performance.now() - started)} ms)`,
      `data: ${config.dataDir ?? 'in memory'}`,
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
