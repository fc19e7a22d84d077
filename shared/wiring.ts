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
 * | schedule trigger              | EventBridge Scheduler, SCHEDULE_GROUP | one timer per schedule (registered by `npm start`; else built by wiring-local) |
 * | token signer (workload identity)| KMS asymmetric key, WORKLOAD_IDENTITY_KEY_ID | RSA key file under TERRAKUBE_FILES_DIR/keys |
 * | live sockets (subscriptions/gateway) | API Gateway management API of the WebSocket stage | none: `npm start` serves /subscriptions itself (local/subscriptions.ts) |
 *
 * What a function's bundle carries is what its code can reach from here, so each getter reaches one
 * port's AWS adapter and nothing else (a getter that called another would bring that port's client
 * along: starting a run is `runStarter`, without the artifact store that stopping a step needs). The
 * local stand-ins are the other half of this root, wiring-local.ts, which `npm start`, the tests and
 * the bench install (`installLocalAdapters`) before anything runs: no Lambda bundle holds them.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { kmsSecretBox } from './adapters/aws/kms-secret-box';
import { lambdaDeliveryQueue } from './adapters/aws/lambda-delivery-queue';
import { s3ArtifactStore } from './adapters/aws/s3-artifact-store';
import { lazyStepFunctionsExecutions } from './adapters/aws/lazy-step-functions';
import type { ExecutionControl } from './adapters/aws/step-functions';
import { eventBridgeScheduleTrigger } from './adapters/aws/eventbridge-schedule-trigger';
import { environment, resetEnvironment, type Environment } from './env';
import type { ArtifactStore } from './ports/artifact-store';
import type { DeliveryQueue } from './ports/delivery-queue';
import type { RunControl, RunStarter } from './ports/run-control';
import type { SecretBox } from './ports/secret-box';
import type { ScheduleTrigger } from './ports/schedule-trigger';
import type { TokenSigner } from './ports/token-signer';
import { kmsTokenSigner } from './adapters/aws/kms-token-signer';
import { createDocumentClient } from './store/client';
import type { TxItem } from './store/writes';
import { apiGatewaySockets } from './adapters/aws/api-gateway-sockets';
import type { LiveSockets } from './subscriptions/gateway';

let built: {
  client?: DynamoDBDocumentClient;
  executions?: ExecutionControl;
  runs?: RunControl;
  artifacts?: ArtifactStore;
  secrets?: SecretBox;
  deliveries?: DeliveryQueue;
  schedules?: ScheduleTrigger;
  signer?: TokenSigner;
} = {};
/** The local stand-ins (wiring-local.ts), each built from the local environment. */
export interface LocalAdapters {
  artifacts(env: Environment): ArtifactStore;
  secrets(env: Environment): SecretBox;
  deliveries(env: Environment): DeliveryQueue;
  schedules(env: Environment): ScheduleTrigger;
  signer(env: Environment): TokenSigner;
}
let localAdapters: LocalAdapters | undefined;

/** wiring-local.ts: the adapters of TERRAKUBE_MODE=local. */
export function useLocalAdapters(adapters: LocalAdapters): void {
  localAdapters = adapters;
}

function local(): LocalAdapters {
  if (!localAdapters)
    throw new Error('TERRAKUBE_MODE=local, but no local adapters: the process must call installLocalAdapters() (shared/wiring-local.ts) first');
  return localAdapters;
}

/** Set by `npm start` (its engine) and by tests; they win over what the environment says. */
const registered: {
  runs?: RunControl;
  client?: DynamoDBDocumentClient;
  transactionBarrier?: () => Promise<void>;
  schedules?: ScheduleTrigger;
  onCommit?: (items: readonly TxItem[]) => void;
  sockets?: (endpoint: string) => LiveSockets;
  executorObjects?: string;
} = {};

export const serviceMode = (): 'aws' | 'local' => environment().mode;
export const tableName = (): string => environment().require('TABLE_NAME');
export const stepTimeoutSeconds = (): number => Number(environment().require('TERRAKUBE_STEP_TIMEOUT_SECONDS'));
export const approvalTimeoutSeconds = (): number => Number(environment().require('TERRAKUBE_APPROVAL_TIMEOUT_SECONDS'));
/** How long a plan may take for its apply to run in the same build (0: a build runs one step). */
export const chainWithinSeconds = (): number => Number(environment().get('TERRAKUBE_CHAIN_WITHIN_SECONDS') ?? 0);

export function documentClient(): DynamoDBDocumentClient {
  return registered.client ?? (built.client ??= createDocumentClient(Number(environment().get('DYNAMODB_MAX_ATTEMPTS') ?? 4)));
}

/** The Step Functions executions (AWS only: locally whoever runs runs registers its engine). */
function executions(): ExecutionControl {
  const env = environment();
  if (env.mode === 'local') throw new Error('no run control: `npm start` registers its engine, and a test registers the run control it wants (useRunControl)');
  return (built.executions ??= lazyStepFunctionsExecutions(env.require('STATE_MACHINE_ARN')));
}

/** Starting runs (job creation, the workspace hand-over): the executions alone. */
export function runStarter(): RunStarter {
  return registered.runs ?? executions();
}

export function runControl(): RunControl {
  if (registered.runs) return registered.runs;
  const runs = executions();
  return (built.runs ??= {
    start: runs.start,
    resume: runs.resume,
    // A step is stopped through the artifact store, where its executor watches for the request.
    stop: (run, how = {}) => (how.interruptStep ? artifactStore().requestStop(run.organizationId, run.jobId) : runs.stop(run)),
  });
}

export function artifactStore(): ArtifactStore {
  const env = environment();
  return (built.artifacts ??=
    env.mode === 'aws' ? s3ArtifactStore(env.require('ARTIFACT_BUCKET'), env.get('AWS_REGION') ?? 'us-east-1') : local().artifacts(env));
}

export function secretBox(): SecretBox {
  const env = environment();
  return (built.secrets ??= env.mode === 'aws' ? kmsSecretBox(env.require('WEBHOOK_KEY_ID')) : local().secrets(env));
}

export function tokenSigner(): TokenSigner {
  const env = environment();
  return (built.signer ??=
    env.mode === 'aws'
      ? kmsTokenSigner(env.require('WORKLOAD_IDENTITY_KEY_ID'))
      : local().signer(env));
}

/** The issuer of workload identity tokens: configured, else (locally) the default server URL, else `fallback` (a request's host). */
export function issuerUrl(fallback?: string): string {
  const env = environment();
  // Locally the server's own URL (npm start sets it from its port); in AWS the API's, or the host a request reached.
  const issuer = env.get('TERRAKUBE_ISSUER_URL') ?? (env.mode === 'local' ? 'http://localhost:8080' : fallback);
  if (!issuer) throw new Error('TERRAKUBE_ISSUER_URL is not set: workload identity tokens need the issuer the cloud trusts');
  return issuer.replace(/\/+$/, '');
}

export function deliveryQueue(): DeliveryQueue {
  const env = environment();
  return (built.deliveries ??= env.mode === 'aws' ? lambdaDeliveryQueue(env.require('WEBHOOK_PROCESSOR_FUNCTION')) : local().deliveries(env));
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
      : local().schedules(env));
}

/**
 * Where executors reach the objects of their step grants (run-tasks/step-grants.ts): locally the
 * engine's object server (registered by local/engine.ts); in AWS unused (S3 presigned URLs name S3).
 */
export function executorObjectsUrl(): string {
  if (registered.executorObjects) return registered.executorObjects;
  if (environment().mode === 'aws') return '';
  throw new Error('no object server for executors: the local engine registers one (useExecutorObjectsUrl)');
}

export function useExecutorObjectsUrl(url: string | undefined): void {
  registered.executorObjects = url;
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
