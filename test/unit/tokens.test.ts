import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import { PAT_ISSUER, issuePersonalAccessToken, verifyToken, type VerifierConfig } from '../../shared/auth/tokens';
import { startTestIssuer, type TestIssuer } from '../helpers/oidc';

const secret = 'unit-test-secret-unit-test-secret-0123456789';
const claims = { email: 'dev@example.com', groups: ['DEVS'] };
let oidc: TestIssuer;
let config: VerifierConfig;

beforeAll(async () => {
  oidc = await startTestIssuer();
  config = { patSecret: secret, oidc: { issuer: oidc.issuer, audience: 'terrakube' } };
});
afterAll(() => oidc.close());

const hs256 = (payload: Record<string, unknown>, key = secret) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setIssuer(PAT_ISSUER).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(key));

describe('bearer tokens', () => {
  it('accepts a personal access token and returns its email and groups', async () => {
    const token = await issuePersonalAccessToken(claims, secret);
    await expect(verifyToken(token, config)).resolves.toEqual(claims);
  });

  it('accepts an RS256 token from the configured OIDC issuer', async () => {
    const token = await oidc.sign(claims);
    await expect(verifyToken(token, config)).resolves.toEqual(claims);
  });

  it.each([
    ['alg none', async () => new UnsecuredJWT({ ...claims, iss: PAT_ISSUER }).encode(), 'unsigned'],
    ['a wrong key', async () => hs256(claims, 'another-secret-another-secret-another-secret'), 'signature'],
    ['an expired PAT', async () => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(PAT_ISSUER).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(secret)), 'expired'],
    ['a PAT not valid yet', async () => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(PAT_ISSUER).setNotBefore('1h').sign(new TextEncoder().encode(secret)), "'nbf'"],
    ['an unknown issuer', async () => oidc.sign(claims, { issuer: 'https://evil.example.com' }), 'unknown token issuer'],
    ['a wrong audience', async () => oidc.sign(claims, { audience: 'someone-else' }), "'aud'"],
    ['an expired OIDC token', async () => oidc.sign(claims, { expiresIn: '-1m' }), 'expired'],
    ['HS256 signed with the issuer public key (alg confusion)', async () =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(oidc.issuer).setAudience('terrakube').setExpirationTime('1h').sign(new TextEncoder().encode(oidc.publicKeyPem)), 'algorithm'],
    ['no groups claim', async () => hs256({ email: 'a@b.c' }), "'groups'"],
    ['groups that are not strings', async () => hs256({ email: 'a@b.c', groups: [1, 2] }), "'groups'"],
    ['no email claim', async () => hs256({ groups: ['X'] }), "'email'"],
    ['garbage', async () => 'not.a.jwt', 'malformed'],
  ])('rejects %s', async (_name, make, reason) => {
    await expect(verifyToken(await make(), config)).rejects.toThrow(reason);
  });

  it('rejects PATs when no signing secret is configured', async () => {
    const token = await issuePersonalAccessToken(claims, secret);
    await expect(verifyToken(token, { oidc: config.oidc })).rejects.toThrow('not enabled');
  });
});
