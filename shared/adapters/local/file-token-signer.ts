/**
 * `npm start`'s workload identity key: an RSA key in a file of the files dir (0600), made on first use
 * and kept, so tokens verify across restarts and a verifier's cached JWKS stays valid.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TokenSigner } from '../../ports/token-signer';
import { publishedJwk } from '../../identity/jwk';

async function loadOrCreate(file: string): Promise<KeyObject> {
  try {
    return createPrivateKey(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // wx: another process that made the key first wins, and this one reads its key.
    await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    return privateKey;
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
    return createPrivateKey(await readFile(file, 'utf8'));
  }
}

export function fileTokenSigner(file: string): TokenSigner {
  let key: Promise<KeyObject> | undefined;
  const privateKey = () => (key ??= loadOrCreate(file));
  return {
    publicJwk: async () => publishedJwk(createPublicKey(await privateKey())),
    sign: async (data) => new Uint8Array(sign('sha256', data, await privateKey())),
  };
}
