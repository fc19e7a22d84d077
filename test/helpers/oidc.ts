/** A throwaway OIDC issuer on localhost: discovery document, JWKS, and a signer for RS256 tokens. */
import { createServer, type Server } from 'node:http';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWTPayload } from 'jose';

export interface TestIssuer {
  issuer: string;
  sign(claims: JWTPayload, options?: { expiresIn?: string; audience?: string; issuer?: string; notBefore?: string }): Promise<string>;
  publicKeyPem: string;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const publicKeyPem = await exportSPKI(publicKey);
  return {
    issuer,
    publicKeyPem,
    sign: (claims, options = {}) => {
      let jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? 'terrakube')
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '10m');
      if (options.notBefore) jwt = jwt.setNotBefore(options.notBefore);
      return jwt.sign(privateKey);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
