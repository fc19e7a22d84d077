/** Workload identity tokens (issue 20): who opts in how (Terrakube's and HCP's variables), the claims, the RS256 signature. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { fileTokenSigner } from '../../shared/adapters/local/file-token-signer';
import { identityRequest, signJwt, workloadClaims } from '../../shared/identity/workload-identity';

const dir = mkdtempSync(join(tmpdir(), 'tk-wi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('opting in', () => {
  it("takes Terrakube's variables, HCP Terraform's (a role per phase), and HCP's generic audience", () => {
    expect(identityRequest({}, 'terraformPlan')).toBeUndefined();
    expect(identityRequest({ WORKLOAD_IDENTITY_ROLE_AWS: 'arn:r' }, 'terraformPlan')).toBeUndefined(); // a role alone opts nothing in
    expect(identityRequest({ ENABLE_DYNAMIC_CREDENTIALS_AWS: 'false' }, 'terraformPlan')).toBeUndefined();
    expect(identityRequest({ ENABLE_DYNAMIC_CREDENTIALS_AWS: 'true', WORKLOAD_IDENTITY_ROLE_AWS: 'arn:r', WORKLOAD_IDENTITY_AUDIENCE_AWS: 'sts.amazonaws.com' }, 'terraformApply')).toEqual({ audience: 'sts.amazonaws.com', awsRoleArn: 'arn:r' });
    const hcp = { TFC_AWS_PROVIDER_AUTH: 'true', TFC_AWS_RUN_ROLE_ARN: 'arn:run', TFC_AWS_APPLY_ROLE_ARN: 'arn:apply' };
    expect(identityRequest(hcp, 'terraformPlan')).toEqual({ audience: 'aws.workload.identity', awsRoleArn: 'arn:run' });
    expect(identityRequest(hcp, 'terraformApply')).toEqual({ audience: 'aws.workload.identity', awsRoleArn: 'arn:apply' });
    expect(identityRequest({ TFC_WORKLOAD_IDENTITY_AUDIENCE: 'vault.example' }, 'customScripts')).toEqual({ audience: 'vault.example', envName: 'TFC_WORKLOAD_IDENTITY_TOKEN' });
  });
});

describe('the token', () => {
  it('is an RS256 JWT with Terrakube\'s subject and claims, verifiable with the published key, short-lived', async () => {
    const signer = fileTokenSigner(join(dir, 'keys', 'wi.pem'));
    const claims = workloadClaims(
      { organization: { id: 'o-1', name: 'acme' }, workspace: { id: 'w-1', name: 'prod' }, jobId: 12, stepId: 's-1', stepType: 'terraformPlan' },
      'aws.workload.identity', 'https://jobs.example.com', 900,
    );
    const token = await signJwt(signer, claims);
    const jwk = await signer.publicJwk();
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT', kid: jwk.kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [jwk] }), { issuer: 'https://jobs.example.com', audience: 'aws.workload.identity' });
    expect(payload).toMatchObject({ sub: 'organization:acme:workspace:prod', terrakube_organization_id: 'o-1', terrakube_workspace_name: 'prod', terrakube_job_id: '12', terrakube_step_id: 's-1', terrakube_run_phase: 'plan' });
    expect(payload.exp! - payload.iat!).toBe(900);
    // The key is kept (0600) and reused: tokens verify across restarts.
    expect(statSync(join(dir, 'keys', 'wi.pem')).mode & 0o777).toBe(0o600);
    expect((await fileTokenSigner(join(dir, 'keys', 'wi.pem')).publicJwk()).kid).toBe(jwk.kid);
    await expect(jwtVerify(token, createLocalJWKSet({ keys: [jwk] }), { issuer: 'https://jobs.example.com', audience: 'sts.amazonaws.com' })).rejects.toThrow(/aud/);
  });
});

describe('step grants in logs', () => {
  it('redacts the query of a presigned or signed URL wherever a log call carries one', async () => {
    const { redact } = await import('../../shared/logger');
    const state = { executor: { context: 'https://b.s3.eu-west-1.amazonaws.com/runs/o/1/s.json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc', dispose: 'x', job: '1' } };
    expect(redact(state)).toEqual({ executor: { context: 'https://b.s3.eu-west-1.amazonaws.com/runs/o/1/s.json?[redacted]', dispose: '[redacted]', job: '1' } });
    expect(redact({ url: 'http://127.0.0.1:1/_objects/state/o/w/terraform.tfstate?method=GET&expires=1&signature=s' })).toEqual({ url: 'http://127.0.0.1:1/_objects/state/o/w/terraform.tfstate?[redacted]' });
    expect(redact({ note: 'plain text?with=query' })).toEqual({ note: 'plain text?with=query' });
  });
});
