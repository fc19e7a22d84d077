/**
 * Environment of each function role, typed once: the CDK stack builds these objects (so a missing
 * variable is a compile error there) and the runtime parses process.env with the same schemas.
 */
import * as v from 'valibot';

const name = v.pipe(v.string(), v.nonEmpty());

export const ApiEnv = v.object({
  TABLE_NAME: name,
  TERRAKUBE_ADMIN_GROUP: v.optional(name, 'TERRAKUBE_ADMIN'),
  /** `local` when served by `npm start` (allows file:// and absolute-path workspace sources). */
  TERRAKUBE_MODE: v.optional(v.picklist(['aws', 'local']), 'aws'),
  /** AWS: the job run state machine (runs are started, stopped and resumed there). */
  STATE_MACHINE_ARN: v.optional(name),
  /** AWS: the bucket holding step logs, plans and state. */
  ARTIFACT_BUCKET: v.optional(name),
  /** AWS: the KMS key sealing webhook secrets (unset: AES-GCM under a key derived from TERRAKUBE_PAT_SECRET). */
  WEBHOOK_KEY_ID: v.optional(name),
  /** AWS: the function that processes accepted webhook deliveries, invoked asynchronously (unset: an in-process queue). */
  WEBHOOK_PROCESSOR_FUNCTION: v.optional(name),
});
export type ApiEnv = v.InferInput<typeof ApiEnv>;

/** The runner's task functions: the API environment plus the timeouts of a step and of an approval. */
export const RunnerEnv = v.object({
  ...ApiEnv.entries,
  TERRAKUBE_STEP_TIMEOUT_SECONDS: v.optional(v.pipe(v.string(), v.regex(/^\d+$/))),
  TERRAKUBE_APPROVAL_TIMEOUT_SECONDS: v.optional(v.pipe(v.string(), v.regex(/^\d+$/))),
});
export type RunnerEnv = v.InferInput<typeof RunnerEnv>;

export const AuthorizerEnv = v.object({
  TERRAKUBE_ADMIN_GROUP: v.optional(name, 'TERRAKUBE_ADMIN'),
  /** AWS: the Secrets Manager secret holding the PAT signing secret. */
  PAT_SECRET_ARN: v.optional(name),
  /** Local: the PAT signing secret itself. */
  TERRAKUBE_PAT_SECRET: v.optional(name),
  TERRAKUBE_OIDC_ISSUER: v.optional(name),
  TERRAKUBE_OIDC_AUDIENCE: v.optional(name),
  /** Optional override of the issuer's discovered JWKS URL. */
  TERRAKUBE_OIDC_JWKS_URL: v.optional(name),
});
export type AuthorizerEnv = v.InferInput<typeof AuthorizerEnv>;

const cache = new Map<unknown, unknown>();

/** Parses process.env once per schema; a misconfigured function fails at its first request, loudly. */
export function readEnv<S extends v.GenericSchema>(schema: S): v.InferOutput<S> {
  if (!cache.has(schema)) {
    const result = v.safeParse(schema, process.env);
    if (!result.success) {
      const names = result.issues.map((i) => v.getDotPath(i)).join(', ');
      throw new Error(`function environment is invalid: ${names}`);
    }
    cache.set(schema, result.output);
  }
  return cache.get(schema) as v.InferOutput<S>;
}

/** Tests and the local server change the environment between runs. */
export function resetEnvCache(): void {
  cache.clear();
}
