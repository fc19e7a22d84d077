/**
 * Workload identity (issue 20): a short-lived token per step, signed by the service, that the user's
 * cloud trusts in place of stored keys (AWS: an IAM OIDC provider for the service's issuer and a role
 * whose trust policy names the token's `sub`; the AWS SDKs and terraform's AWS provider call
 * AssumeRoleWithWebIdentity with the token file the executor writes).
 *
 * A workspace opts in with ENV variables, as in Terrakube or in HCP Terraform:
 * - Terrakube: ENABLE_DYNAMIC_CREDENTIALS_AWS, WORKLOAD_IDENTITY_ROLE_AWS, WORKLOAD_IDENTITY_AUDIENCE_AWS;
 * - HCP Terraform: TFC_AWS_PROVIDER_AUTH=true, TFC_AWS_RUN_ROLE_ARN (or TFC_AWS_PLAN_ROLE_ARN /
 *   TFC_AWS_APPLY_ROLE_ARN per phase), TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE; or, for any other system,
 *   TFC_WORKLOAD_IDENTITY_AUDIENCE alone: the token is then handed over as TFC_WORKLOAD_IDENTITY_TOKEN.
 * Claims follow Terrakube's (sub `organization:<org name>:workspace:<workspace name>`, terrakube_* ids
 * and names), so trust policies written for Terrakube keep working, plus the step and its run phase.
 */
import { base64url, type JWTPayload } from 'jose';
import type { FlowType } from '../domain/flow';
import type { JobRecord, WorkspaceRecord } from '../domain/records';
import type { WorkloadIdentity } from '../runs/executor-contract';
import type { TokenSigner } from '../ports/token-signer';
import { getOrganization } from '../store/repositories/organizations';
import { issuerUrl, tokenSigner } from '../wiring';
import { GRANT_MARGIN_SECONDS } from '../run-tasks/step-grants';

/** The audience AWS examples (Terrakube's and HCP's) use; an IAM OIDC provider lists it as its client id. */
export const DEFAULT_AWS_AUDIENCE = 'aws.workload.identity';

export interface IdentityRequest {
  audience: string;
  awsRoleArn?: string;
  /** Hand the token over in this environment variable too (HCP's generic TFC_WORKLOAD_IDENTITY_TOKEN). */
  envName?: string;
}

const isSet = (v: string | undefined) => v !== undefined && v !== '' && v.toLowerCase() !== 'false';

/** What the workspace's ENV variables ask for, or undefined when it did not opt in. */
export function identityRequest(env: Record<string, string>, stepType: FlowType): IdentityRequest | undefined {
  if (isSet(env.ENABLE_DYNAMIC_CREDENTIALS_AWS)) {
    return { audience: env.WORKLOAD_IDENTITY_AUDIENCE_AWS || DEFAULT_AWS_AUDIENCE, ...(env.WORKLOAD_IDENTITY_ROLE_AWS ? { awsRoleArn: env.WORKLOAD_IDENTITY_ROLE_AWS } : {}) };
  }
  if (env.TFC_AWS_PROVIDER_AUTH?.toLowerCase() === 'true') {
    const phase = runPhase(stepType);
    const role = (phase === 'plan' ? env.TFC_AWS_PLAN_ROLE_ARN : phase === 'apply' ? env.TFC_AWS_APPLY_ROLE_ARN : undefined) || env.TFC_AWS_RUN_ROLE_ARN;
    return { audience: env.TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE || DEFAULT_AWS_AUDIENCE, ...(role ? { awsRoleArn: role } : {}) };
  }
  if (env.TFC_WORKLOAD_IDENTITY_AUDIENCE) return { audience: env.TFC_WORKLOAD_IDENTITY_AUDIENCE, envName: 'TFC_WORKLOAD_IDENTITY_TOKEN' };
  return undefined;
}

/** plan for plan steps, apply for those that change infrastructure, script for script steps. */
export function runPhase(stepType: FlowType): 'plan' | 'apply' | 'script' {
  if (stepType === 'terraformPlan' || stepType === 'terraformPlanDestroy') return 'plan';
  if (stepType === 'customScripts' || stepType === 'approval') return 'script';
  return 'apply';
}

/** A compact RS256 JWS of `claims`, signed by `signer` (KMS or a key file: jose cannot hold a KMS key). */
export async function signJwt(signer: TokenSigner, claims: JWTPayload): Promise<string> {
  const { kid } = await signer.publicJwk();
  const header = base64url.encode(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = base64url.encode(JSON.stringify(claims));
  const signature = await signer.sign(new TextEncoder().encode(`${header}.${payload}`));
  return `${header}.${payload}.${base64url.encode(signature)}`;
}

export interface TokenSubject {
  organization: { id: string; name: string };
  workspace: { id: string; name: string };
  jobId: number;
  stepId: string;
  stepType: FlowType;
}

export function workloadClaims(subject: TokenSubject, audience: string, issuer: string, lifetimeSeconds: number, now = Date.now()): JWTPayload {
  const iat = Math.floor(now / 1000);
  return {
    iss: issuer,
    aud: audience,
    sub: `organization:${subject.organization.name}:workspace:${subject.workspace.name}`,
    iat,
    nbf: iat - 5,
    exp: iat + lifetimeSeconds,
    jti: crypto.randomUUID(),
    terrakube_organization_id: subject.organization.id,
    terrakube_organization_name: subject.organization.name,
    terrakube_workspace_id: subject.workspace.id,
    terrakube_workspace_name: subject.workspace.name,
    terrakube_job_id: String(subject.jobId),
    terrakube_step_id: subject.stepId,
    terrakube_run_phase: runPhase(subject.stepType),
  };
}

/** The step's identity token when the workspace opted in (one organization read then), else undefined. */
export async function workloadIdentityFor(input: {
  job: JobRecord;
  workspace: WorkspaceRecord;
  stepId: string;
  stepType: FlowType;
  env: Record<string, string>;
  timeoutSeconds: number;
}): Promise<WorkloadIdentity | undefined> {
  const request = identityRequest(input.env, input.stepType);
  if (!request) return undefined;
  const org = await getOrganization(input.job.organizationId);
  const subject: TokenSubject = {
    organization: { id: input.job.organizationId, name: org?.name ?? input.job.organizationId },
    workspace: { id: input.workspace.id, name: input.workspace.name },
    jobId: input.job.id,
    stepId: input.stepId,
    stepType: input.stepType,
  };
  // It lives as long as the step's storage grants: the step, and the time its build may wait to start.
  const token = await signJwt(tokenSigner(), workloadClaims(subject, request.audience, issuerUrl(), input.timeoutSeconds + GRANT_MARGIN_SECONDS));
  return { token, ...(request.awsRoleArn ? { awsRoleArn: request.awsRoleArn } : {}), ...(request.envName ? { envName: request.envName } : {}) };
}
