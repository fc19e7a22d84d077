/**
 * A tour of every resource as a client makes it: every GET route with every include it supports, every
 * create, and the errors of unknown ids. `call` runs the JSON:API conformance checker on each answer,
 * so any violation (a field named `type`, a broken linkage, a numeric error status …) fails here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/routes';
import { adminToken, call, useTable } from '../helpers/api';
import { buildWorld, documentRoutes, pathOf, validBody, type World } from '../helpers/world';

useTable();

let admin: string;
let world: World;
beforeAll(async () => {
  admin = await adminToken();
  world = await buildWorld(admin);
});

// The UI's permission and notification endpoints answer plain JSON, as Terrakube's do; its raw state file is a redirect to the store (test/e2e/ui-live.test.ts).
const reads = ROUTES.filter((r) => r.method === 'GET' && r.auth === 'bearer' && !/^\/(access-token|notification|tfstate)\//.test(r.path));
const JOB_INCLUDES = ['', 'step', 'workspace', 'organization', 'step,workspace', 'step,workspace,organization'];

describe('JSON:API tour', () => {
  it.each(reads.map((r) => [r.path, r] as const))('GET %s conforms', async (_path, route) => {
    const path = pathOf(route, world);
    const res = await call('GET', path, { token: admin });
    // A state download answers with the store's URL for it.
    expect(res.status, res.text).toBe(/download/.test(route.path) ? 302 : 200);
  });

  it('every include of a job, on one job and on lists, conforms and is fully linked', async () => {
    const paths = [
      `/api/v1/organization/${world.org}/job/${world.job}`,
      `/api/v1/organization/${world.org}/job`,
      `/api/v1/workspace/${world.workspace}/job/${world.job}`,
      `/api/v1/workspace/${world.workspace}/job`,
    ];
    for (const path of paths) {
      for (const include of JOB_INCLUDES) {
        const res = await call('GET', include ? `${path}?include=${include}` : path, { token: admin });
        expect(res.status, `${path} include=${include}: ${res.text}`).toBe(200);
        if (include.includes('step')) expect(res.body.included.some((r: { type: string }) => r.type === 'step')).toBe(true);
      }
    }
    const sparse = await call('GET', `/api/v1/organization/${world.org}/job?fields[job]=status&include=step`, { token: admin });
    expect(sparse.status, sparse.text).toBe(200);
  });

  it('a step exposes its flow type as flowType, never as an attribute named type', async () => {
    const res = await call('GET', `/api/v1/organization/${world.org}/job/${world.job}/step/${world.step}`, { token: admin });
    expect(res.body.data.attributes.flowType).toBe('terraformPlan');
    expect(res.body.data.attributes).not.toHaveProperty('type');
  });

  it.each(
    documentRoutes()
      .filter((r) => r.method === 'POST')
      .map((r) => [r.path, r] as const),
  )('POST %s answers a conformant document', async (_path, route) => {
    const res = await call('POST', pathOf(route, world), { token: admin, body: { data: validBody(route, world) } });
    expect(res.status, res.text).toBe(201);
  });

  it.each(reads.filter((r) => r.path.endsWith('}')).map((r) => [r.path, r] as const))(
    'GET %s of an unknown id answers a conformant error',
    async (_path, route) => {
      const last = route.path.match(/\{(\w+)\}$/)?.[1] as string;
      const unknown = last === 'jobId' ? '999999' : crypto.randomUUID();
      const res = await call('GET', pathOf(route, world, { [last]: unknown }), { token: admin });
      expect(res.status).toBe(404);
      expect(res.body.errors[0].status).toBe('404');
    },
  );
});
