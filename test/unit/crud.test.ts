/**
 * The CRUD recipe (resources/crud.ts) on a resource of its own ("widget", under a workspace), with an
 * in-memory repository: the order of checks, the one read, planning apart from executing, the answers.
 */
import * as v from 'valibot';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/auth/principal';
import { Conflict } from '../../shared/domain/errors';
import type { Audit, OrganizationRecord, WorkspaceRecord } from '../../shared/domain/records';
import type { ApiRequest, ApiResponse } from '../../shared/http/api-handler';
import { toErrors } from '../../shared/http/error-response';
import { nonEmptyString } from '../../shared/http/attributes';
import { AUDIT_ATTRIBUTES, newId, selfLink } from '../../shared/resources/common';
import { resource, type CrudRepository } from '../../shared/resources/crud';

interface Widget extends Audit {
  id: string;
  organizationId: string;
  workspaceId: string;
  name: string;
  size: number;
}

const ORG = '00000000-0000-4000-8000-00000000000a';
const WS = '00000000-0000-4000-8000-00000000000b';
const OTHER_WS = '00000000-0000-4000-8000-00000000000c';
const audit = { createdBy: 'a', createdDate: 'd', updatedBy: 'a', updatedDate: 'd' };
const organization: OrganizationRecord = {
  id: ORG,
  name: 'acme',
  description: null,
  teams: {
    BUILDERS: { manageWorkspace: true, manageTemplate: false, manageJob: false },
    READERS: { manageWorkspace: false, manageTemplate: false, manageJob: false },
  },
  ...audit,
};
const workspace = { id: WS, organizationId: ORG } as WorkspaceRecord;

/** The in-memory store, and what the recipe asked of it. */
const widgets = new Map<string, Widget>();
const calls: string[] = [];
const repository: CrudRepository<Widget> = {
  async load(ids, id) {
    calls.push(`load ${id ?? '-'}`);
    const ws = ids.workspaceId === WS ? workspace : undefined;
    const item = ws && id ? widgets.get(id) : undefined;
    return { organization: ids.orgId === ORG ? organization : undefined, parents: { workspace: ws }, item, refs: {} };
  },
  list: async (scope) => [...widgets.values()].filter((w) => w.workspaceId === scope.ids.workspaceId),
  create: (w) => (calls.push(`plan create ${w.name}`), []),
  update: (before, after) => (calls.push(`plan update ${before.name}→${after.name}`), []),
  remove: (w) => (calls.push(`plan remove ${w.name}`), []),
};

const widgetResource = resource<Widget>({
  type: 'widget',
  noun: 'widget',
  parents: [{ param: 'workspaceId', noun: 'workspace' }],
  idParam: 'widgetId',
  rules: { readOnly: AUDIT_ATTRIBUTES },
  access: { write: 'manageWorkspace', action: 'managing widgets' },
  repository,
  render: (req, w, secret) => ({
    type: 'widget',
    id: w.id,
    attributes: { name: w.name, size: w.size, ...(secret ? { secret } : {}) },
    links: selfLink(req, `/widget/${w.id}`),
  }),
  collectionPath: (ids) => `/organization/${ids.orgId}/workspace/${ids.workspaceId}/widget`,
});
const Create = v.object({ name: nonEmptyString(20, 'a name'), size: v.optional(v.number(), 1) });
const Update = v.partial(Create);
const routes = {
  list: widgetResource.list(),
  get: widgetResource.get(),
  create: widgetResource.create({
    schema: Create,
    validate: (attrs) => void calls.push(`validate ${attrs.name}`),
    build: (scope, attrs, a) => ({
      record: { id: newId(), organizationId: ORG, workspaceId: scope.ids.workspaceId as string, ...attrs, ...a },
      secret: 'shown-once',
    }),
  }),
  update: widgetResource.update({ schema: Update, after: async (before, after) => void calls.push(`after update ${before.size}→${after.size}`) }),
  remove: widgetResource.remove({
    check: (_scope, w) => {
      if (w.size > 9) throw new Conflict('too big to remove');
    },
    after: async (w) => void calls.push(`after remove ${w.name}`),
  }),
};

const principal = (groups: string[], isAdmin = false): Principal => ({ email: 'me@example.com', groups, isAdmin });
const builder = principal(['BUILDERS']);
const reader = principal(['READERS']);
const outsider = principal(['NOBODY']);

function request(who: Principal, params: Record<string, string>, body?: unknown): ApiRequest {
  return {
    method: 'X',
    path: '/',
    headers: {},
    params: { orgId: ORG, workspaceId: WS, ...params },
    query: new Map(),
    body,
    principal: who,
    baseUrl: 'http://test',
    requestId: 'r',
  };
}
const doc = (attributes: Record<string, unknown>, id?: string) => ({ data: { type: 'widget', ...(id ? { id } : {}), attributes } });

/** The answer, or the error document the HTTP layer would send. */
async function answer(
  route: (req: ApiRequest) => Promise<ApiResponse>,
  req: ApiRequest,
): Promise<{ status: number; body?: any; headers?: Record<string, string>; detail?: string; pointer?: string }> {
  try {
    const res = await route(req);
    return { status: res.status, body: res.body, headers: res.headers };
  } catch (error) {
    const [first] = toErrors(error, 'r');
    return { status: first?.status ?? 0, detail: first?.detail, pointer: first?.source?.pointer };
  }
}

const seed = (w: Partial<Widget> = {}): Widget => {
  const widget: Widget = { id: newId(), organizationId: ORG, workspaceId: WS, name: 'w', size: 1, ...audit, ...w };
  widgets.set(widget.id, widget);
  return widget;
};

beforeEach(() => {
  widgets.clear();
  calls.length = 0;
});

describe('the CRUD recipe', () => {
  it('lists and gets for members; outsiders and missing parents or items are not found', async () => {
    const w = seed({ name: 'one' });
    seed({ name: 'elsewhere', workspaceId: OTHER_WS });
    const list = await answer(routes.list, request(reader, {}));
    expect(list.status).toBe(200);
    expect(list.body.data.map((x: { id: string }) => x.id)).toEqual([w.id]);
    expect(list.body.links.self).toBe(`http://test/api/v1/organization/${ORG}/workspace/${WS}/widget`);
    expect(await answer(routes.get, request(reader, { widgetId: w.id }))).toMatchObject({
      status: 200,
      body: { data: { id: w.id, attributes: { name: 'one' } } },
    });
    expect(await answer(routes.list, request(outsider, {}))).toMatchObject({ status: 404, detail: `organization ${ORG} does not exist` });
    expect(await answer(routes.list, request(reader, { workspaceId: OTHER_WS }))).toMatchObject({
      status: 404,
      detail: `workspace ${OTHER_WS} does not exist`,
    });
    expect(await answer(routes.get, request(reader, { widgetId: newId() }))).toMatchObject({ status: 404 });
    // An id that cannot exist is not even read.
    calls.length = 0;
    expect(await answer(routes.get, request(reader, { widgetId: 'not-a-uuid' }))).toMatchObject({ status: 404, detail: 'widget not-a-uuid does not exist' });
    expect(calls).toEqual([]);
  });

  it('creates: document and attributes first, then the checks without a read, one read, the permission, the plan', async () => {
    expect(await answer(routes.create, request(builder, {}, doc({ name: 'x', colour: 'red' })))).toMatchObject({
      status: 400,
      pointer: '/data/attributes/colour',
    });
    expect(await answer(routes.create, request(builder, {}, doc({ name: '' })))).toMatchObject({ status: 400, pointer: '/data/attributes/name' });
    expect(await answer(routes.create, request(builder, {}, { data: { type: 'gadget', attributes: {} } }))).toMatchObject({
      status: 409,
      pointer: '/data/type',
    });
    expect(calls).toEqual([]);
    expect(await answer(routes.create, request(reader, {}, doc({ name: 'x' })))).toMatchObject({
      status: 403,
      detail: 'managing widgets needs the manageWorkspace permission',
    });
    expect(await answer(routes.create, request(outsider, {}, doc({ name: 'x' })))).toMatchObject({ status: 404 });
    expect(calls).toEqual(['validate x', 'load -', 'validate x', 'load -']);
    calls.length = 0;
    const res = await answer(routes.create, request(builder, {}, doc({ name: 'new' })));
    expect(res.status).toBe(201);
    expect(res.body.data.attributes).toEqual({ name: 'new', size: 1, secret: 'shown-once' });
    expect(res.headers?.location).toBe(`http://test/api/v1/widget/${res.body.data.id}`);
    expect(calls).toEqual(['validate new', 'load -', 'plan create new']);
  });

  it('plans a write without executing it', async () => {
    const planned = await routes.create.plan(request(builder, {}, doc({ name: 'planned', size: 3 })));
    expect(planned.writes).toEqual([]);
    expect(planned.after).toEqual([]);
    expect(planned.result.record).toMatchObject({ name: 'planned', size: 3, organizationId: ORG, workspaceId: WS, createdBy: 'me@example.com' });
    expect(calls).toEqual(['validate planned', 'load -', 'plan create planned']);
  });

  it('updates what was sent (and the audit fields), then runs what follows the commit', async () => {
    const w = seed({ name: 'old', size: 2 });
    expect(await answer(routes.update, request(builder, { widgetId: w.id }, doc({ size: 5 }, newId())))).toMatchObject({ status: 409, pointer: '/data/id' });
    expect(await answer(routes.update, request(builder, { widgetId: w.id }, doc({ createdBy: 'me' }, w.id)))).toMatchObject({
      status: 400,
      pointer: '/data/attributes/createdBy',
    });
    calls.length = 0;
    const planned = await routes.update.plan(request(builder, { widgetId: w.id }, doc({ size: 5 }, w.id)));
    expect(planned.result.record).toMatchObject({ name: 'old', size: 5, updatedBy: 'me@example.com' });
    expect(calls).toEqual(['load ' + w.id, 'plan update old→old']);
    calls.length = 0;
    expect(await answer(routes.update, request(builder, { widgetId: w.id }, doc({ size: 5 }, w.id)))).toEqual({
      status: 204,
      body: undefined,
      headers: undefined,
    });
    expect(calls).toEqual(['load ' + w.id, 'plan update old→old', 'after update 2→5']);
  });

  it('removes once the remove checks pass, then runs what follows', async () => {
    const small = seed({ name: 'small' });
    const big = seed({ name: 'big', size: 10 });
    expect(await answer(routes.remove, request(reader, { widgetId: small.id }))).toMatchObject({ status: 403 });
    expect(await answer(routes.remove, request(builder, { widgetId: big.id }))).toMatchObject({ status: 409, detail: 'too big to remove' });
    calls.length = 0;
    expect((await answer(routes.remove, request(builder, { widgetId: small.id }))).status).toBe(204);
    expect(calls).toEqual([`load ${small.id}`, 'plan remove small', 'after remove small']);
  });
});
