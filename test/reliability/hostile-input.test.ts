/**
 * Hostile input (issue 7), property-based with fast-check: for every write endpoint, random and mutated
 * JSON:API documents, wrong types, huge and deeply nested bodies, odd Unicode, prototype-pollution keys,
 * bad ids in paths and bad query parameters. Every answer is a 4xx with an error document, nothing is
 * a 5xx, and the table is exactly as it was afterwards.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteDef } from '../../shared/routes';
import { documentClient } from '../../shared/wiring';
import { adminToken, call, useTable, type ApiAnswer } from '../helpers/api';
import { buildWorld, documentRoutes, paramsOf, pathOf, sendsDocument, validBody, type World } from '../helpers/world';

useTable();
let admin: string;
let world: World;
let before: string;
const tally = { requests: 0, byStatus: {} as Record<number, number> };

async function snapshot(): Promise<string> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient().send(new ScanCommand({ TableName: process.env.TABLE_NAME, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return JSON.stringify(items.map((i) => JSON.stringify(i, Object.keys(i).sort())).sort());
}

beforeAll(async () => {
  admin = await adminToken();
  world = await buildWorld(admin);
  before = await snapshot();
});

afterAll(async () => {
  // Nothing any of these requests sent changed a single item.
  expect(await snapshot()).toBe(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('admin');
  console.info(`hostile input: ${tally.requests} requests, statuses ${JSON.stringify(tally.byStatus)}`);
});

function expectRefused(res: ApiAnswer, what: string): void {
  tally.requests++;
  tally.byStatus[res.status] = (tally.byStatus[res.status] ?? 0) + 1;
  expect(res.status, `${what} → ${res.status} ${res.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${what} → ${res.text.slice(0, 300)}`).toBeLessThan(500);
  const body = typeof res.body === 'string' ? JSON.parse(res.body || '{}') : res.body;
  const errors = body.errors ?? (body.message ? [{ status: String(res.status) }] : undefined);
  expect(errors?.[0]?.status, `${what}: no error document`).toBe(String(res.status));
}

const odd = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', '\uD800', '\u202Eevil', '🙂'.repeat(200), 'x'.repeat(3000), '../../etc/passwd', '%00', '${jndi:ldap://x/a}', "'; DROP TABLE jobs;--", '<script>alert(1)</script>', 'NaN', '-1', '1e309'),
);
const pollution = fc.constantFrom('__proto__', 'constructor', 'prototype', '__defineGetter__', 'toString', 'hasOwnProperty', 'valueOf');
/** Values no attribute of ours accepts: every attribute is a scalar. */
const nonScalar = fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }));

type Mutation = { name: string; body: unknown; raw?: string; contentType?: string | null };

function mutations(route: RouteDef): fc.Arbitrary<Mutation> {
  const base = () => validBody(route, world);
  const attributes = Object.keys(base().attributes);
  const withData = (change: (d: Record<string, any>) => void) => {
    const d: Record<string, any> = structuredClone(base());
    change(d);
    return { data: d };
  };
  return fc.oneof(
    odd.filter((t) => t !== base().type).map((type) => ({ name: `data.type ${JSON.stringify(type).slice(0, 30)}`, body: withData((d) => (d.type = type)) })),
    fc.tuple(odd, fc.jsonValue({ maxDepth: 2 })).filter(([k]) => !['id', 'name'].includes(k)).map(([key, value]) => ({
      name: `unknown attribute ${JSON.stringify(key).slice(0, 30)}`,
      body: withData((d) => (d.attributes[`x-${key}`] = value)),
    })),
    fc.tuple(fc.constantFrom(...(attributes.length ? attributes : ['name'])), nonScalar).map(([key, value]) => ({
      name: `non-scalar ${key}`,
      body: withData((d) => (d.attributes[key] = value)),
    })),
    fc.tuple(pollution, fc.constantFrom('top', 'data', 'attributes', 'relationships')).map(([key, where]) => ({
      name: `${key} in ${where}`,
      body: null,
      raw:
        where === 'top'
          ? `{"${key}":{"polluted":true},"data":${JSON.stringify(base())}}`
          : where === 'data'
            ? `{"data":${JSON.stringify(base()).replace(/^\{/, `{"${key}":{"polluted":true},`)}}`
            : where === 'relationships'
              ? `{"data":${JSON.stringify({ ...base(), relationships: {} }).replace('"relationships":{}', `"relationships":{"${key}":{"data":{"type":"x","id":"1"}}}`)}}`
              : `{"data":${JSON.stringify(base()).replace('"attributes":{', `"attributes":{"${key}":{"polluted":true,"admin":true}${Object.keys(base().attributes).length ? ',' : ''}`)}}`,
    })),
    fc.jsonValue({ maxDepth: 4 }).map((value) => ({ name: 'random JSON', body: value })),
    fc.string({ maxLength: 200 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }).map((raw) => ({ name: 'not JSON', body: null, raw })),
    fc.integer({ min: 2_000, max: 20_000 }).map((depth) => ({ name: `nested ${depth} deep`, body: null, raw: `${'{"data":'.repeat(depth)}{}${'}'.repeat(depth)}` })),
    fc.constant({ name: 'huge body', body: null, raw: JSON.stringify({ data: { ...base(), attributes: { ...base().attributes, description: 'x'.repeat(300_000) } } }) }),
    fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/vnd.api+json; charset=latin1').map((contentType) => ({ name: `content-type ${contentType}`, body: { data: base() }, contentType })),
    ...(route.method === 'PATCH'
      ? [
          fc.constant({ name: 'PATCH without data.id', body: withData((d) => delete d.id) }),
          odd.filter((id) => id !== base().id).map((id) => ({ name: 'PATCH with another data.id', body: withData((d) => (d.id = id)) })),
        ]
      : // Webhooks and their events take a client's UUID (as Terrakube does); anything else is refused.
        [fc.constant({ name: 'POST with a client id', body: withData((d) => (d.id = /\/(webhook|events)$/.test(route.path) ? 'not-a-uuid' : crypto.randomUUID())) })]),
  );
}

describe('hostile documents on every write endpoint', () => {
  it('covers every route that takes a document', () => {
    for (const route of documentRoutes()) expect(() => validBody(route, world), `${route.method} ${route.path}`).not.toThrow();
  });

  for (const route of documentRoutes()) {
    it(`${route.method} ${route.path}`, async () => {
      await fc.assert(
        fc.asyncProperty(mutations(route), async (m) => {
          const res = await call(route.method, pathOf(route, world), {
            token: admin,
            ...(m.raw !== undefined ? { rawBody: m.raw } : { body: m.body }),
            contentType: m.contentType,
          });
          expectRefused(res, `${route.method} ${route.path} with ${m.name}`);
        }),
        { numRuns: 30 },
      );
    });
  }
});

/** Percent-encodes every UTF-8 byte (also of lone surrogates, which encodeURIComponent refuses). */
const encodeBytes = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

describe('bad ids in paths', () => {
  const badId = fc.oneof(odd.filter((s) => s.length > 0 && !s.includes('/') && !s.includes('?') && !s.includes('#')), fc.constantFrom('0', '-1', '99999999999', '1.5', 'null', 'undefined', '%2e%2e', '%00', 'ÿ', '00000000-0000-0000-0000-000000000000'));
  for (const route of ROUTES.filter((r) => paramsOf(r).length > 0)) {
    it(`${route.method} ${route.path}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...paramsOf(route)), badId, async (param, id) => {
          const path = pathOf(route, world, { [param]: encodeBytes(id) });
          const res = await call(route.method, path, {
            token: admin,
            ...(sendsDocument(route) ? { body: { data: validBody(route, world) } } : route.method === 'POST' ? { body: {}, headers: { 'x-github-event': 'push' } } : {}),
          });
          expectRefused(res, `${route.method} ${path}`);
        }),
        { numRuns: 12 },
      );
    });
  }
});

describe('forged VCS deliveries', () => {
  it('POST /webhook/v1/{id} with any body and any signature is refused', async () => {
    const provider = fc.constantFrom<Record<string, string>>(
      { 'x-github-event': 'push', header: 'x-hub-signature-256' },
      { 'x-event-key': 'repo:push', header: 'x-hub-signature' },
      { 'x-gitlab-event': 'Push Hook', header: 'x-gitlab-token' },
    );
    const signature = fc.oneof(fc.constant(undefined), odd, fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }).map((h) => `sha256=${h}`));
    await fc.assert(
      fc.asyncProperty(provider, signature, fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 300 })), async (p, sig, body) => {
        const { header, ...eventHeader } = p;
        const headers: Record<string, string> = { ...eventHeader, 'x-github-delivery': crypto.randomUUID() };
        if (sig !== undefined) headers[header as string] = encodeBytes(sig);
        const res = await call('POST', `/webhook/v1/${world.webhook}`, { rawBody: body, contentType: 'application/json', headers });
        expectRefused(res, `forged delivery (${header})`);
        expect(res.status).toBe(401);
      }),
      { numRuns: 60 },
    );
  });
});

describe('bad query parameters', () => {
  const params = fc.array(fc.tuple(fc.oneof(fc.constantFrom('filter[job]', 'sort', 'page[size]', 'page[number]', 'page[cursor]', 'fields[job]', 'include', 'filter', 'page[limit]'), odd), odd), { minLength: 1, maxLength: 4 });
  for (const route of ROUTES.filter((r) => r.method === 'GET' && r.auth === 'bearer')) {
    it(`${route.method} ${route.path}`, async () => {
      await fc.assert(
        fc.asyncProperty(params, async (pairs) => {
          const query = pairs.map(([k, v]) => `${encodeBytes(k)}=${encodeBytes(v)}`).join('&');
          const res = await call('GET', `${pathOf(route, world)}?${query}`, { token: admin });
          tally.requests++;
          tally.byStatus[res.status] = (tally.byStatus[res.status] ?? 0) + 1;
          // Some random values are valid (page[size]=5 …): then 200; anything else a clean 4xx.
          expect(res.status, `${route.path}?${query} → ${res.text.slice(0, 200)}`).toBeLessThan(500);
          if (res.status >= 400) expect(res.body.errors[0].status).toBe(String(res.status));
        }),
        { numRuns: 15 },
      );
    });
  }
});
