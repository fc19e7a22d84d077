/** Contract §3.3: filter[job] (RSQL), sort, paging with links, sparse fields and include, on both paths. */
import { beforeAll, describe, expect, it } from 'vitest';
import { roundTrips } from '../../shared/store/client';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createJob, createOrganization, createTeam, createWorkspace } from '../helpers/fixtures';
import { setJobFields } from '../helpers/jobs-table';

useTable();
let admin: string;
let org: string;
let wsA: string;
let wsB: string;
let reader: string;
/** id → what the job was made to look like. */
const jobs = new Map<number, { ws: string; status: string; via: string; createdBy: string; createdDate: string }>();

const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'waitingApproval'];
const VIAS = ['UI', 'API', 'CLI'];

beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'DEVS', { manageJob: true });
  await createTeam(admin, org, 'READERS');
  reader = await token('reader@example.com', ['READERS']);
  const dev = await token('dev@example.com', ['DEVS']);
  wsA = await createWorkspace(admin, org, { name: 'alpha' });
  wsB = await createWorkspace(admin, org, { name: 'beta' });
  for (let i = 0; i < 14; i++) {
    const ws = i % 2 === 0 ? wsA : wsB;
    const via = VIAS[i % 3] as string;
    const by = i % 4 === 0 ? admin : dev;
    const id = Number(await createJob(by, org, ws, { command: 'plan', via }));
    const status = STATUSES[i % STATUSES.length] as string;
    const createdDate = new Date(Date.UTC(2026, 0, 1 + i, 12)).toISOString();
    await setJobFields(org, id, { status, createdDate });
    jobs.set(id, { ws, status, via, createdBy: by === admin ? 'admin@example.com' : 'dev@example.com', createdDate });
  }
});

const list = (query: string, path = `/api/v1/organization/${org}/job`) => call('GET', `${path}?${query}`, { token: reader });
const ids = (res: { body: any }) => res.body.data.map((j: any) => Number(j.id));
const expected = (pred: (j: { ws: string; status: string; via: string; createdBy: string; createdDate: string }, id: number) => boolean) =>
  [...jobs.entries()].filter(([id, j]) => pred(j, id)).map(([id]) => id).sort((a, b) => b - a);
const all = () => [...jobs.keys()].sort((a, b) => b - a);
const enc = encodeURIComponent;

describe('filter[job]', () => {
  it.each([
    ['status==running', (j: any) => j.status === 'running'],
    ['status!=pending', (j: any) => j.status !== 'pending'],
    ['status=in=(failed,completed)', (j: any) => ['failed', 'completed'].includes(j.status)],
    ['status=out=(failed,completed,pending)', (j: any) => !['failed', 'completed', 'pending'].includes(j.status)],
    ['via==API', (j: any) => j.via === 'API'],
    ['via=in=(CLI,API);status!=cancelled', (j: any) => ['CLI', 'API'].includes(j.via) && j.status !== 'cancelled'],
    ['createdBy==dev@example.com', (j: any) => j.createdBy === 'dev@example.com'],
    ['createdDate=ge=2026-01-05T00:00:00Z', (j: any) => j.createdDate >= '2026-01-05T00:00:00.000Z'],
    ['createdDate=gt=2026-01-05T12:00:00.000Z', (j: any) => j.createdDate > '2026-01-05T12:00:00.000Z'],
    ['createdDate=lt=2026-01-04', (j: any) => j.createdDate < '2026-01-04T00:00:00.000Z'],
    ['createdDate=le=2026-01-04T12:00:00Z;createdDate>=2026-01-02', (j: any) => j.createdDate <= '2026-01-04T12:00:00.000Z' && j.createdDate >= '2026-01-02T00:00:00.000Z'],
    ['status=in=(pending,running);createdDate=ge=2026-01-06T00:00:00Z', (j: any) => ['pending', 'running'].includes(j.status) && j.createdDate >= '2026-01-06T00:00:00.000Z'],
    ['status==failed,via==CLI', (j: any) => j.status === 'failed' || j.via === 'CLI'],
    ['(status==failed,status==completed);via!=UI', (j: any) => ['failed', 'completed'].includes(j.status) && j.via !== 'UI'],
  ])('%s', async (filter, pred) => {
    const res = await list(`filter[job]=${enc(filter)}&page[size]=100`);
    expect(res.status, res.text).toBe(200);
    expect(ids(res)).toEqual(expected(pred));
  });

  it('filters on id with every comparison', async () => {
    const sorted = all();
    const mid = sorted[7] as number;
    const cases: [string, (id: number) => boolean][] = [
      [`id==${mid}`, (id) => id === mid],
      [`id!=${mid}`, (id) => id !== mid],
      [`id=lt=${mid}`, (id) => id < mid],
      [`id=le=${mid}`, (id) => id <= mid],
      [`id=gt=${mid}`, (id) => id > mid],
      [`id=ge=${mid}`, (id) => id >= mid],
      [`id=in=(${mid},${mid + 1})`, (id) => id === mid || id === mid + 1],
      [`id=out=(${mid})`, (id) => id !== mid],
    ];
    for (const [filter, pred] of cases) {
      const res = await list(`filter[job]=${enc(filter)}&page[size]=100`);
      expect(ids(res), filter).toEqual(sorted.filter(pred));
    }
  });

  it('filters on workspace.id and templateReference and commitId', async () => {
    expect(ids(await list(`filter[job]=${enc(`workspace.id==${wsB}`)}&page[size]=100`))).toEqual(expected((j) => j.ws === wsB));
    const first = (await list('page[size]=1')).body.data[0];
    const byTemplate = await list(`filter[job]=${enc(`templateReference==${first.attributes.templateReference}`)}&page[size]=100`);
    expect(ids(byTemplate)).toEqual(all());
    expect(ids(await list(`filter[job]=${enc('commitId==abc123')}`))).toEqual([]);
  });

  it('does not let workspace.id reach jobs of another organization', async () => {
    const other = await createOrganization(admin);
    const foreignWs = await createWorkspace(admin, other);
    await createJob(admin, other, foreignWs);
    const res = await list(`filter[job]=${enc(`workspace.id==${foreignWs}`)}`);
    expect(res.body.data).toEqual([]);
  });

  it.each([
    ['owner==me', "unsupported field 'owner'"],
    ['status=like=run', "unsupported operator '=like='"],
    ['status==sleeping', "'sleeping' is not a job status"],
    ['via=lt=UI', "operator '=lt=' does not apply to via"],
    ['id==abc', "id 'abc' is not a job id"],
    ['createdDate=ge=yesterday', "createdDate 'yesterday' is not an ISO-8601"],
    ['status==', 'not valid RSQL'],
    ['status==(a,b)', 'takes one value'],
    ['workspace.id==nope', "workspace.id 'nope'"],
  ])('rejects %s with a 400 naming the problem', async (filter, detail) => {
    const res = await list(`filter[job]=${enc(filter)}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source).toEqual({ parameter: 'filter[job]' });
    expect(res.body.errors[0].detail).toContain(detail);
  });
});

describe('sort', () => {
  it('sorts by id, createdDate and status in both directions', async () => {
    expect(ids(await list('page[size]=100'))).toEqual(all());
    expect(ids(await list('sort=-id&page[size]=100'))).toEqual(all());
    expect(ids(await list('sort=id&page[size]=100'))).toEqual([...all()].reverse());
    expect(ids(await list('sort=createdDate&page[size]=100'))).toEqual([...all()].reverse());
    expect(ids(await list('sort=-createdDate&page[size]=100'))).toEqual(all());
    const byStatus = await list('sort=status&page[size]=100');
    const statuses = byStatus.body.data.map((j: any) => j.attributes.status);
    expect(statuses).toEqual([...statuses].sort());
    expect(ids(byStatus)).toHaveLength(jobs.size);
    const desc = (await list('sort=-status&page[size]=100')).body.data.map((j: any) => j.attributes.status);
    expect(desc).toEqual([...desc].sort().reverse());
  });

  it.each(['name', 'status,-id', '+id', 'updatedDate'])('rejects sort=%s', async (sort) => {
    const res = await list(`sort=${enc(sort)}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source).toEqual({ parameter: 'sort' });
  });
});

describe('paging', () => {
  async function walk(first: string, follow: 'next' | 'prev' = 'next') {
    const pages: number[][] = [];
    let res = await list(first);
    pages.push(ids(res));
    while (res.body.links[follow]) {
      const url = new URL(res.body.links[follow]);
      res = await call('GET', `${url.pathname}${url.search}`, { token: reader });
      expect(res.status, res.text).toBe(200);
      pages.push(ids(res));
      if (pages.length > 50) throw new Error('runaway paging');
    }
    return { pages, last: res };
  }

  it('defaults to 500 per page, as Terrakube does, and carries links on every page', async () => {
    const res = await list('');
    expect(res.body.data).toHaveLength(jobs.size);
    expect(res.body.links).toMatchObject({ next: null, prev: null, first: expect.stringContaining(`/organization/${org}/job`) });
    expect(res.body.meta.page).toEqual({ number: 1, limit: 500 });
  });

  it('walks forward with links.next and back with links.prev, seeing every job once', async () => {
    const forward = await walk('page[size]=4');
    expect(forward.pages.map((p) => p.length)).toEqual([4, 4, 4, 2]);
    expect(forward.pages.flat()).toEqual(all());
    expect(forward.last.body.meta.page.number).toBe(4);
    expect(forward.last.body.links.next).toBeNull();
    const back = await walk(new URL(forward.last.body.links.self).search.slice(1), 'prev');
    expect(back.pages.reverse().flat()).toEqual(all());
    expect(back.last.body.links.prev).toBeNull();
  });

  it('ends exactly on a full last page when the total is a multiple of the size', async () => {
    const { pages, last } = await walk('page[size]=7');
    expect(pages.map((p) => p.length)).toEqual([7, 7]);
    expect(last.body.links.next).toBeNull();
  });

  it('pages a filtered, status-sorted and multi-status search the same way', async () => {
    for (const query of [`filter[job]=${enc('status=in=(pending,running,failed)')}&page[size]=2`, 'sort=status&page[size]=3', `filter[job]=${enc('via!=UI')}&page[size]=3&sort=id`]) {
      const everything = ids(await list(`${query.replace(/page\[size\]=\d+/, 'page[size]=100')}`));
      const { pages } = await walk(query);
      expect(pages.flat(), query).toEqual(everything);
    }
  });

  it('returns an empty page with no links for a search that matches nothing', async () => {
    const res = await list(`filter[job]=${enc('status==approved')}&page[totals]`);
    expect(res.body.data).toEqual([]);
    expect(res.body.links).toMatchObject({ next: null, prev: null });
    expect(res.body.meta.page).toEqual({ number: 1, limit: 500, totalRecords: 0, totalPages: 0 });
  });

  it('serves page[number] and page[totals]', async () => {
    const second = await list('page[size]=5&page[number]=2&page[totals]');
    expect(ids(second)).toEqual(all().slice(5, 10));
    expect(second.body.meta.page).toEqual({ number: 2, limit: 5, totalRecords: jobs.size, totalPages: 3 });
    expect(ids(await list('page[size]=5&page[number]=9'))).toEqual([]);
  });

  it.each([
    ['page[size]=0', 'page[size]'],
    ['page[size]=501', 'page[size]'],
    ['page[size]=ten', 'page[size]'],
    ['page[number]=0', 'page[number]'],
    ['page[cursor]=garbage', 'page[cursor]'],
    ['fields[job]=status,secret', 'fields[job]'],
    ['include=steps', 'include'],
    ['page[offset]=3', 'page[offset]'],
  ])('rejects %s', async (query, param) => {
    const res = await list(query);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].source).toEqual({ parameter: param });
  });

  it('refuses a cursor replayed against another search', async () => {
    const next = new URL((await list('page[size]=2')).body.links.next);
    const cursor = next.searchParams.get('page[cursor]') as string;
    const res = await list(`page[size]=2&sort=id&page[cursor]=${cursor}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].detail).toContain('different search');
  });

  it('returns sparse fieldsets and included workspaces', async () => {
    const res = await list('fields[job]=status,createdDate&include=workspace&page[size]=3');
    expect(Object.keys(res.body.data[0].attributes).sort()).toEqual(['createdDate', 'status']);
    expect(res.body.data[0].relationships).toEqual({});
    expect(res.body.included.map((w: any) => w.type)).toEqual(expect.arrayContaining(['workspace']));
  });
});

describe('cost: one Query per page for the common searches', () => {
  async function queriesFor(path: string) {
    roundTrips.reset();
    const res = await call('GET', path, { token: reader });
    expect(res.status).toBe(200);
    return { queries: roundTrips.byCommand.QueryCommand ?? 0, total: roundTrips.total, next: res.body.links.next as string | null };
  }

  it.each([
    ['an organization’s jobs, newest first', () => `/api/v1/organization/${org}/job?page[size]=3`, 1, 2],
    ['an organization’s jobs with one status', () => `/api/v1/organization/${org}/job?page[size]=2&filter[job]=status==pending`, 1, 2],
    ['a workspace’s jobs (org path)', () => `/api/v1/organization/${org}/job?page[size]=3&filter[job]=${enc(`workspace.id==${wsA}`)}`, 1, 2],
    ['a workspace’s jobs (v1.3 path)', () => `/api/v1/workspace/${wsA}/job?page[size]=3`, 1, 3],
    ['a workspace’s jobs with one status', () => `/api/v1/workspace/${wsA}/job?page[size]=1&filter[job]=status==pending`, 1, 3],
  ])('%s', async (_name, path, queries, total) => {
    const first = await queriesFor(path());
    expect(first).toMatchObject({ queries, total });
    expect(first.next).not.toBeNull();
    const url = new URL(first.next as string);
    expect(await queriesFor(`${url.pathname}${url.search}`)).toMatchObject({ queries, total });
  });

  it('k statuses cost k Queries per page', async () => {
    expect((await queriesFor(`/api/v1/organization/${org}/job?filter[job]=${enc('status=in=(pending,running,failed)')}`)).queries).toBe(3);
  });
});
