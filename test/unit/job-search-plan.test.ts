/** Turning a job search into Queries (jobs/search/plan.ts): the filter picks the partition, bounds the ids, and only the rest is filtered. */
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../shared/jobs/search/filter';
import { MAX_JOB_ID, planSearch, type Sort } from '../../shared/jobs/search/plan';
import { toErrors } from '../../shared/http/error-response';

const ORG = { organizationId: 'org' };
const WS = '0b0c0d0e-0000-4000-8000-000000000001';
const plan = (filter: string | undefined, sort: Sort = '-id', scope: { organizationId: string; workspaceId?: string } = ORG) =>
  planSearch(scope, parseFilter(filter), sort, filter ?? '');
const keyOf = (p: ReturnType<typeof plan>) => p.sources.map((s) => `${s.index ?? 'table'}:${s.pk[1]}:${s.sk[1]}`);

describe('job search plan', () => {
  it('reads the organization partition, or the workspace index, newest first', () => {
    expect(keyOf(plan(undefined))).toEqual(['table:ORG#org:JOB#']);
    expect(plan(undefined)).toMatchObject({ mode: 'merge', descending: true, range: { lo: 1, hi: MAX_JOB_ID }, empty: false, filter: undefined });
    expect(keyOf(plan(undefined, '-id', { organizationId: 'org', workspaceId: WS }))).toEqual([`gsi1:WS#${WS}#JOB:`]);
    expect(plan(undefined, 'id').descending).toBe(false);
  });

  it('reads one status index per status asked for, by workspace when the filter names one', () => {
    expect(keyOf(plan('status=in=(running,pending)'))).toEqual(['gsi2:ORG#org#STATUS#running:', 'gsi2:ORG#org#STATUS#pending:']);
    const byWorkspace = plan(`workspace.id==${WS};status==failed`);
    expect(keyOf(byWorkspace)).toEqual([`gsi3:WS#${WS}#STATUS#failed:`]);
    // A workspace named in the filter may belong to another organization: the organization stays a condition.
    expect(byWorkspace.filter).toEqual({ expression: '#f0 = :f0_0', names: { '#f0': 'organizationId' }, values: { ':f0_0': 'org' } });
  });

  it('bounds the sort key by id conditions and filters only what remains', () => {
    const p = plan('id=gt=5;id=le=9;via==API');
    expect(p.range).toEqual({ lo: 6, hi: 9 });
    expect(p.filter).toEqual({ expression: '#f0 = :f0_0', names: { '#f0': 'via' }, values: { ':f0_0': 'API' } });
    expect(plan('status!=pending,via=out=(UI,CLI)').filter?.expression).toBe('(#f0 <> :f0_0 OR NOT (#f1 IN (:f1_0, :f1_1)))');
  });

  it('knows a search that cannot match anything without reading', () => {
    expect(plan('status==running;status==failed').empty).toBe(true);
    expect(plan('id=lt=3;id=gt=7').empty).toBe(true);
    expect(plan(`workspace.id==${WS}`, '-id', { organizationId: 'org', workspaceId: '0b0c0d0e-0000-4000-8000-000000000002' }).empty).toBe(true);
  });

  it('walks the status indexes one after another for a status sort', () => {
    const p = plan('status=in=(running,failed,completed)', '-status');
    expect(p.mode).toBe('concat');
    expect(p.sources.map((s) => s.status)).toEqual(['running', 'failed', 'completed']);
    expect(plan(undefined, 'status').sources).toHaveLength(9);
  });

  it('gives each search its own fingerprint (a cursor cannot be replayed on another)', () => {
    expect(plan('via==API').fingerprint).toBe(plan('via==API').fingerprint);
    expect(plan('via==API').fingerprint).not.toBe(plan('via==CLI').fingerprint);
    expect(plan('via==API', 'id').fingerprint).not.toBe(plan('via==API').fingerprint);
  });

  it('refuses what it cannot run, naming filter[job]', () => {
    for (const bad of ['bogus==1', 'status==nope', 'id=lt=abc', 'via=lt=API', 'status==(a,b)', 'status=']) {
      const [error] = (() => {
        try {
          plan(bad);
        } catch (e) {
          return toErrors(e, 'test');
        }
        return [];
      })();
      expect(error, bad).toMatchObject({ status: 400, source: { parameter: 'filter[job]' } });
    }
  });
});
