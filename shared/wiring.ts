/**
 * THE composition root. Each entry point boots its role first (env.ts `boot`: API route, run task,
 * webhook processor, authorizer), so a missing variable stops the function when it starts. Every
 * port's adapter is chosen here, once per container, from that environment: AWS services in AWS,
 * local stand-ins under `npm start` and the tests.
 *
 * | port                          | AWS (TERRAKUBE_MODE=aws)              | local (TERRAKUBE_MODE=local)                    |
 * |-------------------------------|---------------------------------------|-------------------------------------------------|
 * | DynamoDB                      | the table TABLE_NAME                  | DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB)      |
 * | run control (ports/run-control)| Step Functions, STATE_MACHINE_ARN    | registered by whoever runs runs: local/engine.ts |
 * | artifacts (ports/artifact-store)| S3, ARTIFACT_BUCKET (presigned URLs) | files under TERRAKUBE_FILES_DIR (signed URLs)  |
 * | secret box (ports/secret-box) | KMS, WEBHOOK_KEY_ID                   | AES-GCM, key from TERRAKUBE_PAT_SECRET          |
 * | delivery queue                | async Lambda invoke, WEBHOOK_PROCESSOR_FUNCTION | in-process queue                      |
 * | schedule trigger              | EventBridge Scheduler, SCHEDULE_GROUP | one timer per schedule (registered by `npm start`; else built here) |
 * | live sockets (subscriptions/gateway) | API Gateway management API of the WebSocket stage | none: `npm start` serves /subscriptions itself (local/subscriptions.ts) |
 *
 * Each getter is its own function, so a function's bundle carries only the adapters it can reach.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { kmsSecretBox } from './adapters/aws/kms-secret-box';
import { lambdaDeliveryQueue } from './adapters/aws/lambda-delivery-queue';
import { s3ArtifactStore } from './adapters/aws/s3-artifact-store';
import { lazyStepFunctionsRunControl } from './adapters/aws/lazy-step-functions';
import { aesSecretBox } from './adapters/local/aes-secret-box';
import { fileArtifactStore } from './adapters/local/file-artifact-store';
import { inProcessDeliveryQueue } from './adapters/local/in-process-delivery-queue';
import { eventBridgeScheduleTrigger } from './adapters/aws/eventbridge-schedule-trigger';
import { timerScheduleTrigger } from './adapters/local/timer-schedule-trigger';
import { environment, resetEnvironment } from './env';
import type { ArtifactStore } from './ports/artifact-store';
import type { DeliveryQueue } from './ports/delivery-queue';
import type { RunControl } from './ports/run-control';
import type { SecretBox } from './ports/secret-box';
import type { ScheduleTrigger } from './ports/schedule-trigger';
import { createDocumentClient } from './store/client';
import type { TxItem } from './store/writes';
import { apiGatewaySockets } from './adapters/aws/api-gateway-sockets';
import type { LiveSockets } from './subscriptions/gateway';

let built: {
  client?: DynamoDBDocumentClient;
  runs?: RunControl;
  artifacts?: ArtifactStore;
  secrets?: SecretBox;
  deliveries?: DeliveryQueue;
  schedules?: ScheduleTrigger;
} = {};
/** Set by `npm start` (its engine) and by tests; they win over what the environment says. */
const registered: {
  runs?: RunControl;
  client?: DynamoDBDocumentClient;
  transactionBarrier?: () => Promise<void>;
  schedules?: ScheduleTrigger;
  onCommit?: (items: readonly TxItem[]) => void;
  sockets?: (endpoint: string) => LiveSockets;
} = {};

export const serviceMode = (): 'aws' | 'local' => environment().mode;
export const tableName = (): string => environment().require('TABLE_NAME');
export const stepTimeoutSeconds = (): number => Number(environment().require('TERRAKUBE_STEP_TIMEOUT_SECONDS'));
export const approvalTimeoutSeconds = (): number => Number(environment().require('TERRAKUBE_APPROVAL_TIMEOUT_SECONDS'));

export function documentClient(): DynamoDBDocumentClient {
  return registered.client ?? (built.client ??= createDocumentClient(Number(environment().get('DYNAMODB_MAX_ATTEMPTS') ?? 4)));
}

export function runControl(): RunControl {
  if (registered.runs) return registered.runs;
  const env = environment();
  if (env.mode === 'local') throw new Error('no run control: `npm start` registers its engine, and a test registers the run control it wants (useRunControl)');
  // A step is stopped through the artifact store, where its executor watches for the request.
  return (built.runs ??= lazyStepFunctionsRunControl(env.require('STATE_MACHINE_ARN'), (run) => artifactStore().requestStop(run.organizationId, run.jobId)));
}

export function artifactStore(): ArtifactStore {
  const env = environment();
  return (built.artifacts ??=
    env.mode === 'aws'
      ? s3ArtifactStore(env.require('ARTIFACT_BUCKET'), env.get('AWS_REGION') ?? 'us-east-1')
      : fileArtifactStore(env.require('TERRAKUBE_FILES_DIR'), env.require('TERRAKUBE_PAT_SECRET')));
}

export function secretBox(): SecretBox {
  const env = environment();
  return (built.secrets ??= env.mode === 'aws' ? kmsSecretBox(env.require('WEBHOOK_KEY_ID')) : aesSecretBox(env.require('TERRAKUBE_PAT_SECRET')));
}

export function deliveryQueue(): DeliveryQueue {
  const env = environment();
  return (built.deliveries ??= env.mode === 'aws' ? lambdaDeliveryQueue(env.require('WEBHOOK_PROCESSOR_FUNCTION')) : inProcessDeliveryQueue());
}

export function scheduleTrigger(): ScheduleTrigger {
  if (registered.schedules) return registered.schedules;
  const env = environment();
  return (built.schedules ??=
    env.mode === 'aws'
      ? eventBridgeScheduleTrigger({
          group: env.require('SCHEDULE_GROUP'),
          targetArn: env.get('SCHEDULE_TARGET_ARN'),
          roleArn: env.get('SCHEDULER_ROLE_ARN'),
          deadLetterArn: env.get('SCHEDULE_DEAD_LETTER_ARN'),
        })
      : timerScheduleTrigger(async (scheduleId, at) => {
          const { fireSchedule } = await import('./schedules/fire');
          await fireSchedule({ scheduleId, fireTime: at.toISOString() });
        }));
}

/** `npm start` and tests: the schedule trigger of this process (undefined: the one the environment says). */
export function useScheduleTrigger(trigger: ScheduleTrigger | undefined): void {
  registered.schedules = trigger;
}

/** The run control of this process: the local engine (`npm start`), or a test's. */
export function useRunControl(control: RunControl | undefined): void {
  registered.runs = control;
}

/** Tests: a document client that injects faults at the SDK boundary (undefined: the real one again). */
export function useDocumentClient(client: DynamoDBDocumentClient | undefined): void {
  registered.client = client;
}

/**
 * `npm start` with its data on disk: what makes a committed transaction durable before it is acknowledged
 * (DynamoDB Local answers a TransactWriteItems before its commit ran: local/dynamodb-local.ts).
 */
export function useTransactionBarrier(barrier: (() => Promise<void>) | undefined): void {
  registered.transactionBarrier = barrier;
}

export async function transactionBarrier(): Promise<void> {
  await registered.transactionBarrier?.();
}

/** The sockets of a WebSocket API stage (`endpoint`: its management URL). */
export function liveSockets(endpoint: string): LiveSockets {
  return registered.sockets?.(endpoint) ?? apiGatewaySockets(endpoint);
}

/** Tests: sockets that record what the WebSocket functions send (undefined: API Gateway's). */
export function useLiveSockets(sockets: ((endpoint: string) => LiveSockets) | undefined): void {
  registered.sockets = sockets;
}

/**
 * `npm start`: hears every committed write plan (its live status feed picks the job status changes).
 * In AWS nobody listens here: the table's stream carries the changes to the feed's fan-out function.
 */
export function useCommitListener(listener: ((items: readonly TxItem[]) => void) | undefined): void {
  registered.onCommit = listener;
}

export function committed(items: readonly TxItem[]): void {
  registered.onCommit?.(items);
}

/** Tests and the local server change the environment between runs: everything is read and built again. */
export function resetWiring(): void {
  resetEnvironment();
  built = {};
}
