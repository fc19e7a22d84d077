/**
 * Runs a job search plan (jobs/search/plan.ts) one page at a time. Pages are addressed by position
 * (the id, and for a status sort the status, of the job next to the page), which becomes a bound on
 * the sort key, so the next and the previous page are each the same Query again: no offsets, no
 * re-reading earlier pages.
 * Each source is asked for one more job than the page holds, which tells whether another page exists.
 */
import type { JobStatus } from '../../domain/job-status';
import type { JobRecord } from '../../domain/records';
import type { Plan, Source } from '../../jobs/search/plan';
import { padJobId } from '../keys';
import { query, queryCount, stripKeys, type Item } from '../table';

export interface Position {
  id: number;
  status?: JobStatus;
}

export interface Fetched {
  jobs: JobRecord[];
  /** More matches exist past the returned ones (in the direction fetched). */
  more: boolean;
}

/** Keeps one request's reads bounded when a filter rejects most of what the keys select. */
const MAX_QUERIES = 25;
const MAX_EVALUATED = 5000;

interface Budget {
  queries: number;
  evaluated: number;
}

function bounds(plan: Plan, descending: boolean, from: Position | undefined, sameSource: boolean): { lo: number; hi: number } {
  let { lo, hi } = plan.range;
  if (from && sameSource) {
    if (descending) hi = Math.min(hi, from.id - 1);
    else lo = Math.max(lo, from.id + 1);
  }
  return { lo, hi };
}

/** Key condition, filter and names/values of a Query on one source between two ids. */
function queryInput(plan: Plan, source: Source, range: { lo: number; hi: number }) {
  const [pkName, pkValue] = source.pk;
  const [skName, prefix] = source.sk;
  return {
    index: source.index,
    KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
    ExpressionAttributeNames: { '#pk': pkName, '#sk': skName, ...plan.filter?.names },
    ExpressionAttributeValues: { ':pk': pkValue, ':lo': `${prefix}${padJobId(range.lo)}`, ':hi': `${prefix}${padJobId(range.hi)}`, ...plan.filter?.values },
    ...(plan.filter ? { FilterExpression: plan.filter.expression } : {}),
  };
}

async function fromSource(
  plan: Plan,
  source: Source,
  range: { lo: number; hi: number },
  descending: boolean,
  wanted: number,
  budget: Budget,
  projection?: string,
): Promise<{ items: Item[]; exhausted: boolean }> {
  const items: Item[] = [];
  if (range.lo > range.hi) return { items, exhausted: true };
  let start: Record<string, unknown> | undefined;
  for (;;) {
    if (budget.queries >= MAX_QUERIES || budget.evaluated >= MAX_EVALUATED) return { items, exhausted: false };
    budget.queries++;
    const input = queryInput(plan, source, range);
    const page = await query({
      ...input,
      ...(projection ? { ProjectionExpression: projection, ExpressionAttributeNames: { ...input.ExpressionAttributeNames, '#status': 'status' } } : {}),
      ScanIndexForward: !descending,
      // Without a filter every item read is a match, so read exactly what is wanted.
      Limit: plan.filter ? Math.min(1000, Math.max(50, (wanted - items.length) * 4)) : wanted - items.length,
      ExclusiveStartKey: start,
    });
    budget.evaluated += page.scanned;
    items.push(...page.items);
    start = page.lastKey;
    if (items.length >= wanted) return { items: items.slice(0, wanted), exhausted: false };
    if (!start) return { items, exhausted: true };
  }
}

/**
 * Up to `limit` jobs after (or, with `backward`, before) `from` in the plan's order, returned in the
 * plan's order either way.
 */
export async function fetchJobs(plan: Plan, options: { from?: Position; backward?: boolean; limit: number; projection?: string }): Promise<Fetched> {
  if (plan.empty) return { jobs: [], more: false };
  const { from, limit } = options;
  const backward = options.backward ?? false;
  const descending = plan.descending !== backward;
  const wanted = limit + 1;
  const budget: Budget = { queries: 0, evaluated: 0 };
  let collected: Item[] = [];
  let incomplete = false;

  if (plan.mode === 'merge') {
    const results = await Promise.all(
      plan.sources.map((s) => fromSource(plan, s, bounds(plan, descending, from, true), descending, wanted, budget, options.projection)),
    );
    incomplete = results.some((r) => !r.exhausted && r.items.length < wanted);
    collected = results.flatMap((r) => r.items).sort((a, b) => (descending ? Number(b.id) - Number(a.id) : Number(a.id) - Number(b.id)));
  } else {
    const ordered = backward ? [...plan.sources].reverse() : plan.sources;
    let started = !from?.status;
    for (const source of ordered) {
      const isStart = !started && source.status === from?.status;
      if (!started && !isStart) continue;
      started = true;
      const result = await fromSource(plan, source, bounds(plan, descending, from, isStart), descending, wanted - collected.length, budget, options.projection);
      collected.push(...result.items);
      if (collected.length >= wanted) break;
      if (!result.exhausted) {
        incomplete = true;
        break;
      }
    }
  }
  const more = collected.length > limit || incomplete;
  const page = collected.slice(0, limit).map((i) => stripKeys<JobRecord>(i));
  return { jobs: backward ? page.reverse() : page, more };
}

/** page[totals]: how many jobs match, counted by the same Queries (Select COUNT). */
export async function countJobs(plan: Plan): Promise<number> {
  if (plan.empty) return 0;
  const counts = await Promise.all(plan.sources.map((source) => queryCount(queryInput(plan, source, plan.range))));
  return counts.reduce((a, b) => a + b, 0);
}
