/**
 * Workload identity end to end (issue 20): a workspace opts in with Terrakube's variables, its job's
 * terraform reaches a "cloud" with the step's token (a terraform_data local-exec posts the token file
 * the AWS SDKs read, AWS_WEB_IDENTITY_TOKEN_FILE, with AWS_ROLE_ARN), and the cloud, a verifier here,
 * accepts it only by checking it against the service's public JWKS and OpenID discovery, as an AWS
 * IAM OIDC provider does before AssumeRoleWithWebIdentity. A workspace that did not opt in gets no token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createOrganization, createTeam, createWorkspace, doc, postJob, templateId, unique } from '../helpers/fixtures';
import { ended, gitRepo, readJob, useEngine, waitForJob } from '../helpers/engine';

useTable();
useEngine();
const ROLE = 'arn:aws:iam::123456789012:role/tenant-deploy';
let admin: string;
let operator: string;
let org: string;
let orgName: string;
let verifier: Server;
let verifierUrl: string;
const accepted: (JWTPayload & { role: string })[] = [];
const refused: string[] = [];

/** The user's cloud: trusts tokens of the service's issuer, for its audience, signed by a key of its JWKS. */
async function verify(bearer: string): Promise<JWTPayload> {
  const discovery = await call('GET', '/.well-known/openid-configuration');
  const jwksPath = new URL(discovery.body.jwks_uri as string).pathname;
  const keys = (await call('GET', jwksPath)).body as JSONWebKeySet;
  const { payload } = await jwtVerify(bearer, createLocalJWKSet(keys), { issuer: discovery.body.issuer as string, audience: 'aws.workload.identity', algorithms: ['RS256'] });
  return payload;
}

beforeAll(async () => {
  verifier = createServer((req, res) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    verify(bearer).then(
      (claims) => {
        accepted.push({ ...claims, role: String(req.headers['x-role-arn'] ?? '') });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Credentials: { AccessKeyId: 'ASIA-TENANT' } }));
      },
      (error: Error) => {
        refused.push(error.message);
        res.writeHead(403).end('refused');
      },
    );
  });
  await new Promise<void>((ok) => verifier.listen(0, '127.0.0.1', ok));
  verifierUrl = `http://127.0.0.1:${(verifier.address() as AddressInfo).port}`;
  admin = await adminToken();
  orgName = unique('wi-org');
  org = await createOrganization(admin, orgName);
  await createTeam(admin, org, 'OPS', { manageJob: true, manageWorkspace: true });
  operator = await token('ops@example.com', ['OPS']);
});
afterAll(() => new Promise<void>((done) => verifier.close(() => done())));

/** Terraform that calls the cloud in its apply with whatever token file the step gave it (none: no call, and the apply fails). */
const CLOUD_TF = `resource "terraform_data" "cloud" {
  provisioner "local-exec" {
    command = "test -n \\"$AWS_WEB_IDENTITY_TOKEN_FILE\\" && curl -fsS -o /dev/null -H \\"Authorization: Bearer $(cat \\"$AWS_WEB_IDENTITY_TOKEN_FILE\\")\\" -H \\"X-Role-Arn: $AWS_ROLE_ARN\\" \\"$CLOUD_URL/assume\\""
  }
}
`;

async function runJob(variables: Record<string, string>) {
  const repo = gitRepo({ 'main.tf': CLOUD_TF });
  const name = unique('wi-ws');
  const ws = await createWorkspace(operator, org, { name, source: repo.path });
  const base = `/api/v1/organization/${org}/workspace/${ws}/variable`;
  for (const [key, value] of Object.entries({ CLOUD_URL: verifierUrl, ...variables })) {
    expect((await call('POST', base, { token: operator, body: doc('variable', { key, value, category: 'ENV' }) })).status).toBe(201);
  }
  const res = await postJob(operator, org, ws, { templateReference: await templateId(admin, org, 'Plan and apply') });
  expect(res.status, res.text).toBe(201);
  const id = res.body.data.id as string;
  const { job, steps } = await waitForJob(operator, org, id, ended, 60_000);
  const logs = await Promise.all(steps.map(async (s) => (await call('GET', `/tfoutput/v1/organization/${org}/job/${id}/step/${s.id}`, { token: operator })).text));
  return { id, ws, name, job, logs: logs.join('\n') };
}

describe('workload identity (issue 20)', () => {
  it("lets a job's terraform reach the user's cloud with its step's token, which the cloud verifies against the JWKS", async () => {
    const { id, ws, name, job, logs } = await runJob({ ENABLE_DYNAMIC_CREDENTIALS_AWS: 'true', WORKLOAD_IDENTITY_ROLE_AWS: ROLE });
    expect(job.attributes.status, logs).toBe('completed');
    expect(refused).toEqual([]);
    expect(accepted).toHaveLength(1);
    const claims = accepted[0]!;
    // Terrakube's subject and claims (trust policies written for Terrakube keep working), and the role asked for.
    expect(claims).toMatchObject({
      sub: `organization:${orgName}:workspace:${name}`,
      aud: 'aws.workload.identity',
      terrakube_organization_id: org,
      terrakube_workspace_id: ws,
      terrakube_job_id: id,
      terrakube_run_phase: 'apply',
      role: ROLE,
    });
    // Short-lived: the step's timeout plus the time its build may wait, not days.
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(120 + 1200);
    // The token is a credential: it never reaches the log.
    expect(logs).not.toMatch(/eyJ[\w-]+\.eyJ/);
    const steps = (await readJob(operator, org, id)).steps;
    expect(steps.map((s) => s.attributes.status)).toEqual(['completed', 'completed']);
  }, 90_000);

  it('gives no token to a workspace that did not opt in (its apply finds no token file)', async () => {
    const before = accepted.length;
    const { job } = await runJob({ WORKLOAD_IDENTITY_ROLE_AWS: ROLE });
    expect(job.attributes.status).toBe('failed');
    expect(accepted).toHaveLength(before);
  }, 90_000);

  it('publishes the issuer and its key without a bearer token, and the cloud refuses a token the service did not sign', async () => {
    const discovery = await call('GET', '/.well-known/openid-configuration');
    expect(discovery.status).toBe(200);
    expect(discovery.body).toMatchObject({ id_token_signing_alg_values_supported: ['RS256'], jwks_uri: `${discovery.body.issuer}/.well-known/jwks.json` });
    const [json, terrakube] = [await call('GET', '/.well-known/jwks.json'), await call('GET', '/.well-known/jwks')];
    expect(json.status).toBe(200);
    expect(terrakube.body).toEqual(json.body);
    expect(json.body.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) })]);
    expect(JSON.stringify(json.body)).not.toMatch(/"d"|"p"|"q"/); // the public half only
    const { SignJWT, generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: `organization:${orgName}:workspace:x` })
      .setProtectedHeader({ alg: 'RS256', kid: json.body.keys[0].kid })
      .setIssuer(discovery.body.issuer).setAudience('aws.workload.identity').setExpirationTime('5m').sign(privateKey);
    const res = await fetch(`${verifierUrl}/assume`, { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(403);
    expect(refused.at(-1)).toMatch(/signature verification failed/);
  });
});
