/**
 * What a GraphQL request reads, each record at most once per request (a per-request memo), always
 * through the repositories: keyed reads and Queries only, never a Scan. Rows the caller may not read are
 * left out (as Elide does), so an outsider sees empty connections rather than errors.
 */
import type { Principal } from '../auth/principal';
import { isMember } from '../domain/permissions';
import type { JobRecord, OrganizationRecord, TeamRecord, TemplateRecord, VariableRecord, WorkspaceRecord } from '../domain/records';
import { parseFilter } from '../jobs/search/filter';
import { planSearch, type Sort } from '../jobs/search/plan';
import { readMany } from '../store/repositories/batch';
import { fetchJobs } from '../store/repositories/job-search';
import { listOrganizations, listOrganizationsOfGroups, organizationRef } from '../store/repositories/organizations';
import { listTeams } from '../store/repositories/teams';
import { listTemplates } from '../store/repositories/templates';
import { listVariables } from '../store/repositories/variables';
import { listWorkspaces, workspaceRef } from '../store/repositories/workspaces';

export interface LatestJob {
  status: string;
  date: string;
}

export class Loaders {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(readonly principal: Principal) {}

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let hit = this.memo.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = load();
      this.memo.set(key, hit);
    }
    return hit;
  }

  /** The organizations the caller is a member of (administrators: all of them). */
  myOrganizations(): Promise<OrganizationRecord[]> {
    return this.once('orgs', async () => {
      const orgs = this.principal.isAdmin ? await listOrganizations() : await listOrganizationsOfGroups(this.principal.groups);
      for (const o of orgs) this.memo.set(`org:${o.id}`, Promise.resolve(o));
      return orgs;
    });
  }

  /** These organizations, in the order asked, leaving out the missing and those the caller is not in. */
  async organizations(ids: string[]): Promise<OrganizationRecord[]> {
    const unknown = ids.filter((id) => !this.memo.has(`org:${id}`));
    if (unknown.length > 0) {
      const batch = readMany(unknown.map(organizationRef));
      for (const id of unknown)
        this.memo.set(
          `org:${id}`,
          batch.then((orgs) => orgs.find((o) => o.id === id)),
        );
    }
    const found = await Promise.all(ids.map((id) => this.memo.get(`org:${id}`) as Promise<OrganizationRecord | undefined>));
    return found.filter((o): o is OrganizationRecord => !!o && isMember(this.principal, o));
  }

  workspacesOf(orgId: string): Promise<WorkspaceRecord[]> {
    return this.once(`ws-of:${orgId}`, async () => {
      const list = await listWorkspaces(orgId);
      for (const w of list) this.memo.set(`ws:${w.id}`, Promise.resolve(w));
      return list;
    });
  }

  /** Workspaces by id, only those in an organization the caller is a member of. */
  async workspaces(ids: string[]): Promise<WorkspaceRecord[]> {
    const unknown = ids.filter((id) => !this.memo.has(`ws:${id}`));
    if (unknown.length > 0) {
      const batch = readMany(unknown.map(workspaceRef));
      for (const id of unknown)
        this.memo.set(
          `ws:${id}`,
          batch.then((list) => list.find((w) => w.id === id)),
        );
    }
    const found = (await Promise.all(ids.map((id) => this.memo.get(`ws:${id}`) as Promise<WorkspaceRecord | undefined>))).filter(
      (w): w is WorkspaceRecord => !!w,
    );
    const readable = new Set((await this.organizations([...new Set(found.map((w) => w.organizationId))])).map((o) => o.id));
    return found.filter((w) => readable.has(w.organizationId));
  }

  teamsOf(orgId: string): Promise<TeamRecord[]> {
    return this.once(`teams:${orgId}`, () => listTeams(orgId));
  }

  templatesOf(orgId: string): Promise<TemplateRecord[]> {
    return this.once(`tpl:${orgId}`, () => listTemplates(orgId));
  }

  variablesOf(workspaceId: string): Promise<VariableRecord[]> {
    return this.once(`var:${workspaceId}`, () => listVariables(workspaceId));
  }

  /** The workspace's newest job: one Query (newest first, Limit 1) on the workspace's job index. */
  latestJob(w: WorkspaceRecord): Promise<LatestJob | undefined> {
    return this.once(`last:${w.id}`, async () => {
      const { jobs } = await fetchJobs(planSearch({ organizationId: w.organizationId, workspaceId: w.id }, undefined, '-id'), { limit: 1 });
      const job = jobs[0];
      return job ? { status: job.status, date: job.updatedDate } : undefined;
    });
  }

  /** A page of a workspace's or an organization's jobs, filtered (RSQL) and sorted by the job search planner. */
  jobs(scope: { organizationId: string; workspaceId?: string }, options: { filter?: string; sort: Sort; offset: number; limit: number }) {
    const plan = planSearch(scope, parseFilter(options.filter), options.sort, options.filter ?? '');
    return fetchJobs(plan, { limit: options.offset + options.limit }).then((f) => ({
      jobs: f.jobs.slice(options.offset) as JobRecord[],
      more: f.more,
    }));
  }
}
