/**
 * The step's workload identity token (when its workspace opted in, shared/identity/workload-identity.ts)
 * as the AWS SDKs and terraform's AWS provider take it: a file named by AWS_WEB_IDENTITY_TOKEN_FILE,
 * with the role in AWS_ROLE_ARN (AssumeRoleWithWebIdentity). Any other tool finds the file through
 * TERRAKUBE_WORKLOAD_IDENTITY_TOKEN_FILE. The file lives in the step's private work directory, never
 * in the checkout (which a script could upload along with the configuration).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutorContext } from '../shared/runs/executor-contract';

export async function workloadIdentityEnv(ctx: Pick<ExecutorContext, 'workloadIdentity' | 'jobId'>, workDir: string): Promise<Record<string, string>> {
  const identity = ctx.workloadIdentity;
  if (!identity) return {};
  const file = join(workDir, 'workload-identity.jwt');
  await writeFile(file, identity.token, { mode: 0o600 });
  return {
    TERRAKUBE_WORKLOAD_IDENTITY_TOKEN_FILE: file,
    ...(identity.awsRoleArn
      ? { AWS_WEB_IDENTITY_TOKEN_FILE: file, AWS_ROLE_ARN: identity.awsRoleArn, AWS_ROLE_SESSION_NAME: `terrakube-job-${ctx.jobId}` }
      : {}),
    ...(identity.envName ? { [identity.envName]: identity.token } : {}),
  };
}
