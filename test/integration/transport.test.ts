/** Contract §1: every error status with a JSON:API error document, and nothing changed by bad input. */
import { beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { adminToken, call, useTable } from '../helpers/api';
import { createOrganization, doc } from '../helpers/fixtures';

useTable();
let admin: string;
let org: string;
beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
});

const expectErrorDocument = (res: { status: number; headers: Record<string, string>; body: any }, status: number) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/vnd.api+json');
  expect(res.body.errors[0]).toMatchObject({ status: String(status), title: expect.any(String), detail: expect.any(String) });
};

describe('transport', () => {
  it('401 without a token, with a malformed header, a forged or expired token', async () => {
    const path = `/api/v1/organization/${org}`;
    expectErrorDocument(await call('GET', path), 401);
    expectErrorDocument(await call('GET', path, { headers: { authorization: 'Basic abc' } }), 401);
    expectErrorDocument(await call('GET', path, { headers: { authorization: 'Bearer ' } }), 401);
    const forged = await new SignJWT({ email: 'a@b.c', groups: ['TERRAKUBE_ADMIN'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer('Terrakube').sign(new TextEncoder().encode('guessed-secret'));
    expectErrorDocument(await call('GET', path, { token: forged }), 401);
    const expired = await new SignJWT({ email: 'a@b.c', groups: ['TERRAKUBE_ADMIN'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer('Terrakube').setExpirationTime(1).sign(new TextEncoder().encode(process.env.TERRAKUBE_PAT_SECRET as string));
    const res = await call('GET', path, { token: expired });
    expectErrorDocument(res, 401);
    expect(res.body.errors[0].detail).toBe('token expired');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('404 for unknown paths and 405 for unsupported methods', async () => {
    expectErrorDocument(await call('GET', '/api/v1/job', { token: admin }), 404);
    expectErrorDocument(await call('GET', '/nothing/here'), 404);
    const res = await call('PATCH', '/api/v1/organization', { token: admin, body: doc('organization', {}) });
    expectErrorDocument(res, 405);
    expect(res.headers.allow).toBe('GET, POST');
    expectErrorDocument(await call('PUT', `/api/v1/organization/${org}/job/1`, { token: admin }), 405);
  });

  it('accepts trailing slashes like Terrakube clients send them', async () => {
    expect((await call('GET', `/api/v1/organization/${org}/`, { token: admin })).status).toBe(200);
  });

  it('415 for bodies that are not JSON:API or JSON', async () => {
    const path = `/api/v1/organization/${org}/team`;
    expectErrorDocument(await call('POST', path, { token: admin, body: doc('team', { name: 'A' }), contentType: 'text/plain' }), 415);
    expectErrorDocument(await call('POST', path, { token: admin, rawBody: 'name=A', contentType: 'application/x-www-form-urlencoded' }), 415);
    expectErrorDocument(await call('POST', path, { token: admin, body: doc('team', { name: 'A' }), contentType: null }), 415);
    expect((await call('POST', path, { token: admin, body: doc('team', { name: 'JSON_OK' }), contentType: 'application/json' })).status).toBe(201);
  });

  it('400 for malformed JSON and documents of the wrong shape; 413 for huge bodies', async () => {
    const path = `/api/v1/organization/${org}/team`;
    const malformed = await call('POST', path, { token: admin, rawBody: '{"data": {' });
    expectErrorDocument(malformed, 400);
    expect(malformed.body.errors[0].source).toEqual({ pointer: '' });
    expectErrorDocument(await call('POST', path, { token: admin, rawBody: '' }), 400);
    expectErrorDocument(await call('POST', path, { token: admin, body: { type: 'team' } }), 400);
    expectErrorDocument(await call('POST', path, { token: admin, body: doc('team', { name: 'x'.repeat(300_000) }) }), 413);
    const teams = await call('GET', path, { token: admin });
    expect(teams.body.data.map((t: any) => t.attributes.name)).toEqual(['JSON_OK']);
  });

  it('400 for query parameters a route does not understand', async () => {
    const res = await call('GET', `/api/v1/organization/${org}?sort=name`, { token: admin });
    expectErrorDocument(res, 400);
    expect(res.body.errors[0].source).toEqual({ parameter: 'sort' });
  });

  it('409 for a type that is not the collection type', async () => {
    expectErrorDocument(await call('POST', `/api/v1/organization/${org}/team`, { token: admin, body: doc('workspace', { name: 'A' }) }), 409);
  });
});
