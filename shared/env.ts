/**
 * The environment of every function, typed once. Each role has its schema: the CDK stack builds each
 * function's environment against it (so a function deployed without a variable it needs is a compile
 * error) and the function's code parses process.env with the same schema when it starts (wiring.ts).
 * `npm start` and the tests run every role in one process, with the local schema.
 *
 * This module and the wiring are the only ones that read process.env (besides local/config.ts for
 * `npm start`'s own settings, the executor's entry point and the CDK app).
 */
import * as v from 'valibot';

const name = v.pipe(v.string(), v.nonEmpty());
const seconds = v.pipe(v.string(), v.regex(/^[1-9]\d*$/, 'must be a whole number of seconds'));
const aws = v.optional(v.literal('aws'), 'aws');

const table = {
  TABLE_NAME: name,
  /** The SDK's attempts per DynamoDB request (default 4). */
  DYNAMODB_MAX_ATTEMPTS: v.optional(v.pipe(v.string(), v.regex(/^[1-9]\d?$/))),
};
/** Set by Lambda itself (never by the stack). */
const region = { AWS_REGION: v.optional(name) };

/** The EventBridge Scheduler group holding one schedule per workspace schedule. */
const scheduleGroup = { SCHEDULE_GROUP: name };

/** `terraform login` through an OAuth provider (login.v1 in the TFE discovery document): its client and endpoints. */
const terraformLogin = {
  TERRAKUBE_TFE_LOGIN_CLIENT_ID: v.optional(name),
  TERRAKUBE_TFE_LOGIN_AUTHZ_URL: v.optional(name),
  TERRAKUBE_TFE_LOGIN_TOKEN_URL: v.optional(name),
};

/**
 * Workload identity (issue 20): the KMS key signing the steps' tokens, and the issuer they name (the
 * API's URL, or the custom domain a cloud's OIDC provider is registered for; the public discovery
 * routes fall back to the host a request reached).
 */
const workloadIdentity = {
  WORKLOAD_IDENTITY_KEY_ID: name,
  TERRAKUBE_ISSUER_URL: v.optional(name),
};

/** Every API route's function (and the webhook receiver). */
export const ApiEnv = v.object({
  ...table,
  ...terraformLogin,
  TERRAKUBE_MODE: aws,
  /** The job run state machine: runs are started, stopped and resumed there. */
  STATE_MACHINE_ARN: name,
  /** The bucket holding step logs, plans and state. */
  ARTIFACT_BUCKET: name,
  /** The KMS key sealing webhook secrets. */
  WEBHOOK_KEY_ID: name,
  /** The function that processes accepted webhook deliveries, invoked asynchronously. */
  WEBHOOK_PROCESSOR_FUNCTION: name,
  ...workloadIdentity,
  ...scheduleGroup,
  /** What a workspace schedule's EventBridge schedule invokes (the fire function), with which role, and where failed fires go. */
  SCHEDULE_TARGET_ARN: name,
  SCHEDULER_ROLE_ARN: name,
  SCHEDULE_DEAD_LETTER_ARN: name,
  ...region,
});

/** The job run's functions: the state machine's tasks and the handlers of run events. */
export const RunnerEnv = v.object({
  ...table,
  TERRAKUBE_MODE: aws,
  STATE_MACHINE_ARN: name,
  ARTIFACT_BUCKET: name,
  TERRAKUBE_STEP_TIMEOUT_SECONDS: seconds,
  TERRAKUBE_APPROVAL_TIMEOUT_SECONDS: seconds,
  /** Set when a plan's apply fits in the plan's build (infra/run-states.ts chainWithinSeconds): how long the plan may take. */
  TERRAKUBE_CHAIN_WITHIN_SECONDS: v.optional(seconds),
  ...workloadIdentity,
  ...region,
});

/** The webhook processor: it creates the job of a delivery and starts its run. */
export const ProcessorEnv = v.object({ ...table, TERRAKUBE_MODE: aws, STATE_MACHINE_ARN: name, ...region });

/** The fire function: EventBridge Scheduler invokes it at each fire time; it creates the job and starts its run. */
export const SchedulerEnv = v.object({ ...table, TERRAKUBE_MODE: aws, STATE_MACHINE_ARN: name, ...scheduleGroup, ...region });

const tokens = {
  TERRAKUBE_ADMIN_GROUP: v.optional(name, 'TERRAKUBE_ADMIN'),
  TERRAKUBE_OIDC_ISSUER: v.optional(name),
  TERRAKUBE_OIDC_AUDIENCE: v.optional(name),
  /** Optional override of the issuer's discovered JWKS URL. */
  TERRAKUBE_OIDC_JWKS_URL: v.optional(name),
};

/** The token authorizer. */
export const AuthorizerEnv = v.object({
  ...tokens,
  /** The Secrets Manager secret holding the PAT signing secret. */
  PAT_SECRET_ARN: name,
});

/**
 * The live log stream: an API route served by a response-streaming function URL, which API Gateway
 * does not front, so it verifies bearer tokens itself (the authorizer's settings too).
 */
export const StreamEnv = v.object({ ...ApiEnv.entries, ...AuthorizerEnv.entries });

/** The live status feed's WebSocket functions (connect, message, disconnect): they verify tokens too. */
export const LiveEnv = v.object({ ...table, TERRAKUBE_MODE: aws, ...AuthorizerEnv.entries, ...region });

/** The table stream's fan-out of job status changes to the WebSocket subscribers. */
export const FanOutEnv = v.object({
  ...table,
  TERRAKUBE_MODE: aws,
  /** The WebSocket API stage's management endpoint (https://<api>.execute-api.<region>.amazonaws.com/<stage>). */
  LIVE_ENDPOINT: name,
  ...region,
});

/** Functions that read nothing from their environment (the fallback route). */
export const NoEnv = v.object({});

/** `npm start` and the tests: every role in one process, with local stand-ins for the AWS services. */
export const LocalEnv = v.object({
  ...table,
  ...tokens,
  ...terraformLogin,
  TERRAKUBE_MODE: v.literal('local'),
  /** Where logs, plans, state and step contexts are kept. */
  TERRAKUBE_FILES_DIR: name,
  /** Signs personal access tokens, and the key sealing webhook secrets is derived from it. */
  TERRAKUBE_PAT_SECRET: name,
  TERRAKUBE_STEP_TIMEOUT_SECONDS: v.optional(seconds, '3600'),
  TERRAKUBE_APPROVAL_TIMEOUT_SECONDS: v.optional(seconds, '86400'),
  /** The issuer workload identity tokens name (default: the server's own URL, http://localhost:PORT). */
  TERRAKUBE_ISSUER_URL: v.optional(name),
});

export const ROLES = {
  api: ApiEnv,
  runner: RunnerEnv,
  processor: ProcessorEnv,
  scheduler: SchedulerEnv,
  authorizer: AuthorizerEnv,
  stream: StreamEnv,
  live: LiveEnv,
  fanout: FanOutEnv,
} as const;
export type Role = keyof typeof ROLES;

/** A function's environment schema, and what the stack must give a function that parses it. */
export type EnvSchema = (typeof ROLES)[Role] | typeof NoEnv;
export type EnvironmentOf<S extends EnvSchema> = v.InferInput<S>;

type AnyEnv = v.InferOutput<typeof ApiEnv> & v.InferOutput<typeof RunnerEnv> & v.InferOutput<typeof AuthorizerEnv> & v.InferOutput<typeof LocalEnv> & v.InferOutput<typeof FanOutEnv>;
export type EnvName = Extract<keyof AnyEnv, string>;

/** One function's parsed environment. */
export interface Environment {
  role: Role | 'local';
  mode: 'aws' | 'local';
  get(name: EnvName): string | undefined;
  /** A variable this code cannot do without; its absence is a bug in how the function was deployed. */
  require(name: EnvName): string;
}

const cache = new Map<string, Environment>();

/**
 * Parses process.env against the role's schema (locally: the local schema, whatever the role), once.
 * An invalid environment throws at once, naming every variable at fault.
 */
export function readEnvironment(role: Role | undefined): Environment {
  const local = process.env.TERRAKUBE_MODE === 'local';
  if (!local && !role) throw new Error('no function role: the entry point must boot the wiring with its role first');
  const key = local ? 'local' : (role as Role);
  let environment = cache.get(key);
  if (!environment) {
    const schema = local ? LocalEnv : ROLES[role as Role];
    const result = v.safeParse(schema, process.env);
    if (!result.success) {
      const names = result.issues.map((i) => `${v.getDotPath(i) ?? '?'} (${i.message})`).join(', ');
      throw new Error(`the ${key} function's environment is invalid: ${names}`);
    }
    const values = result.output as Partial<Record<EnvName, string>>;
    environment = {
      role: local ? 'local' : (role as Role),
      mode: local ? 'local' : 'aws',
      get: (name) => values[name],
      require(name) {
        const value = values[name];
        if (value === undefined) throw new Error(`${name} is not part of the ${key} function's environment`);
        return value;
      },
    };
    cache.set(key, environment);
  }
  return environment;
}

let currentRole: Role | undefined;

/** The entry point of a function: its role's environment is read now, and must be complete. */
export function boot(role: Role): void {
  currentRole = role;
  readEnvironment(role);
}

/** The environment of the role this process was booted with (locally: the local one). */
export const environment = (): Environment => readEnvironment(currentRole);

/** Tests and the local server change the environment between runs. */
export function resetEnvironment(): void {
  cache.clear();
}

/**
 * Whether this process is a Lambda function (the runtime names it): decides at module load, before any
 * role boots, whether the X-Ray tracer is loaded at all (shared/observability/powertools.ts).
 */
export const insideLambda = (): boolean => process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;

/** Logging settings, read live: a test may raise the level for a while. */
export function logSettings(): { level: string | undefined } {
  return { level: process.env.LOG_LEVEL ?? process.env.AWS_LAMBDA_LOG_LEVEL };
}
