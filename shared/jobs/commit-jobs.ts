/**
 * Writing the jobs of one organization once their creations passed their reads (create-job.ts).
 *
 * Alone (no other creation of the organization waiting in this process): one UpdateItem reserves the id
 * and one TransactWriteItems moves the commit watermark from id-1 to id, puts the job and joins it to
 * its workspace queue. Creations that queued meanwhile are committed as a group (group-commit.ts): one
 * UpdateItem reserves all their ids (ADD k) and one TransactWriteItems moves the watermark from first-1
 * to last and holds every job's put and queue join. Ids are handed out oldest creation first, so each
 * workspace still gets its jobs in id order; at most one member per workspace (a transaction may not
 * write an item twice) and none with writes of its own (a schedule's fire record names its own errors).
 *
 * A group whose transaction fails (one member's workspace changed or went away, a throttle, …) commits
 * its members one by one in id order through the single path: each gets the answer it would have had
 * alone, and a member that fails abandons its id as a lone creation does.
 */
import type { JobRecord, OrganizationRecord, WorkspaceRecord } from '../domain/records';
import { NotFound } from '../domain/errors';
import { joinMode, type JoinMode } from '../domain/workspace-queue';
import { planPutJob } from '../store/repositories/jobs';
import { changeQueue, joinWrite } from '../store/repositories/workspace-queue';
import { getWorkspace } from '../store/repositories/workspaces';
import { commit, ConditionFailed, type TxItem } from '../store/repositories/batch';
import { commitIdRange, CommitWatermark, reserveJobId, reserveJobIds } from './commit-watermark';
import { nextFreeJobId, planTakeNextJobId, type JobCounter } from '../store/repositories/job-ids';
import { commitInGroup, type Outcome } from './group-commit';
import type { CreatedJob, NewJob } from './create-job';
import { jobMetrics } from '../observability/metrics';

/** A creation that passed its reads and checks: what is left is to write it. */
export interface ReadyJob {
  request: NewJob;
  organization: OrganizationRecord;
  /** The workspace as the creation read it. */
  workspace: WorkspaceRecord;
  templateReference: string | null;
  /** The organization's id counter as read with the rest (jobs/commit-watermark.ts). */
  counter?: JobCounter;
}

/**
 * Members per group: 2 writes each plus the watermark stay well inside a transaction's 100 items, and a
 * group's commit stays short enough not to hold the next one up for long.
 */
export const MAX_GROUP = 24;
/** Jobs' request bytes per group: a transaction carries at most 4 MB (job items up to 400 KB each). */
const MAX_GROUP_BYTES = 2_000_000;

export function commitJobs(ready: ReadyJob): Promise<CreatedJob> {
  return commitInGroup(`jobs:${ready.request.organizationId}`, { ...ready, bytes: requestBytes(ready.request) }, canJoin, commitGroup);
}

type Member = ReadyJob & { bytes: number };
const requestBytes = (request: NewJob) => JSON.stringify(request).length;
const goesAlone = (member: Member) => (member.request.alsoWrite?.length ?? 0) > 0;

function canJoin(group: readonly Member[], member: Member, passedOver: readonly Member[]): boolean {
  const sameWorkspace = (other: Member) => other.request.workspaceId === member.request.workspaceId;
  return (
    group.length < MAX_GROUP &&
    !goesAlone(member) &&
    !goesAlone(group[0] as Member) &&
    // One per workspace, and never ahead of an earlier creation of its workspace left for a later turn (ids follow the queue order).
    !group.some(sameWorkspace) &&
    !passedOver.some(sameWorkspace) &&
    group.reduce((bytes, other) => bytes + other.bytes, member.bytes) <= MAX_GROUP_BYTES
  );
}

/** A creation with its id: the job record and the workspace state it joins (its own read, or what this process wrote since). */
interface Reserved {
  job: JobRecord;
  organization: OrganizationRecord;
  workspace: WorkspaceRecord;
  alsoWrite: TxItem[];
}

async function commitGroup(group: Member[]): Promise<Outcome<CreatedJob>[]> {
  if (group.length === 1) {
    const ready = group[0] as Member;
    const next = nextFreeJobId(ready.counter);
    // A counter read before this process committed a later id (it waited its turn behind a group) is known stale.
    if (next !== undefined && next > (lastIdCommitted.get(ready.request.organizationId) ?? 0)) {
      const taken = await settled(() => commitAtNextId(reserve(ready, next)));
      if (taken.status === 'fulfilled' || !(taken.reason instanceof ConditionFailed)) return [taken];
    }
    return [await settled(async () => commitReserved(reserve(ready, await reserveJobId(ready.request.organizationId))))];
  }
  const orgId = (group[0] as Member).request.organizationId;
  const last = await reserveJobIds(orgId, group.length);
  const first = last - group.length + 1;
  const members = group.map((ready, i) => reserve(ready, first + i));
  const modes = members.map((member) => joinMode(member.workspace));
  try {
    await commit([commitIdRange(orgId, first, last), ...members.flatMap((member, i) => [planPutJob(member.job), joinOf(member, modes[i] as JoinMode)])]);
  } catch {
    // Nothing of the group was written: each member on its own, in id order (each one's watermark waits for the one before).
    const outcomes: Outcome<CreatedJob>[] = [];
    for (const member of members) outcomes.push(await settled(() => commitReserved(member)));
    return outcomes;
  }
  return Promise.all(members.map((member, i) => settled(() => joined(member, modes[i] as JoinMode))));
}

function reserve(ready: ReadyJob, id: number): Reserved {
  const { request, organization, templateReference } = ready;
  const at = new Date().toISOString();
  const job: JobRecord = {
    id,
    organizationId: request.organizationId,
    workspaceId: request.workspaceId,
    status: 'pending',
    templateReference,
    tcl: request.tcl ?? null,
    command: request.command ?? null,
    overrideBranch: request.overrideBranch ?? null,
    commitId: request.commitId ?? null,
    via: request.via,
    refresh: request.refresh,
    refreshOnly: request.refreshOnly,
    autoApply: request.autoApply,
    planChanges: true,
    comments: request.comments ?? null,
    approvalTeam: null,
    targetAddrs: request.targetAddrs ?? [],
    replaceAddrs: request.replaceAddrs ?? [],
    output: null,
    terraformPlan: null,
    steps: [],
    ...(request.cli ? { cli: request.cli } : {}),
    createdBy: request.createdBy,
    createdDate: at,
    updatedBy: request.createdBy,
    updatedDate: at,
  };
  return { job, organization, workspace: newest(ready.workspace, recentlyWritten.get(request.workspaceId)), alsoWrite: request.alsoWrite ?? [] };
}

const joinOf = ({ job }: Reserved, mode: JoinMode) => joinWrite(job.workspaceId, job.id, mode, { status: job.status, at: job.createdDate });

/**
 * No creation in flight when the counter was read: the job takes the next id in its own transaction
 * (one request fewer than reserving it first). Any condition failing (an id reserved since, the
 * workspace changed) writes nothing and reserves nothing: the creation then goes the single path.
 */
async function commitAtNextId(reserved: Reserved): Promise<CreatedJob> {
  const { job, alsoWrite } = reserved;
  const mode = joinMode(reserved.workspace);
  await commit([planTakeNextJobId(job.organizationId, job.id), planPutJob(job), joinOf(reserved, mode), ...alsoWrite]);
  return joined(reserved, mode);
}

/** The single path: commits one reserved job after the ones before it; a failure releases its id at once, so the next creation does not wait for it to stall. */
async function commitReserved(reserved: Reserved): Promise<CreatedJob> {
  const watermark = new CommitWatermark(reserved.job.organizationId, reserved.job.id);
  try {
    return await commitWithWatermark(watermark, reserved);
  } catch (error) {
    await watermark.abandon();
    throw error;
  }
}

async function commitWithWatermark(watermark: CommitWatermark, reserved: Reserved): Promise<CreatedJob> {
  const { job, alsoWrite } = reserved;
  const jobPut = planPutJob(job);
  let workspace = reserved.workspace;
  for (let attempt = 1; ; attempt++) {
    const mode = joinMode(workspace);
    try {
      await commit([watermark.advance(), jobPut, joinOf(reserved, mode), ...alsoWrite]);
      return await joined({ ...reserved, workspace }, mode);
    } catch (error) {
      if (!(error instanceof ConditionFailed) || error.index === 1 || error.index > 2 || attempt >= 500) throw error;
      if (error.index === 0) {
        // An earlier creation has not committed yet: wait for it (or skip it if its creator died).
        await watermark.waitForTurn();
        continue;
      }
      // The workspace changed between the read and the write (freed, claimed, locked): read it again.
      const fresh = await getWorkspace(job.workspaceId);
      if (!fresh || fresh.deleted) throw new NotFound(`workspace ${job.workspaceId} does not exist in this organization`);
      workspace = fresh;
    }
  }
}

/** A job committed: count it, remember the queue it left, and say which job its workspace must start. */
/** Per organization, the highest job id this process committed (bounded like recentlyWritten). */
const lastIdCommitted = new Map<string, number>();

async function joined({ job, organization, workspace }: Reserved, mode: JoinMode): Promise<CreatedJob> {
  jobMetrics.created(job);
  lastIdCommitted.set(job.organizationId, Math.max(job.id, lastIdCommitted.get(job.organizationId) ?? 0));
  if (lastIdCommitted.size > 1000) lastIdCommitted.delete(lastIdCommitted.keys().next().value as string);
  remember(workspace, job.id, mode);
  const start = mode === 'claim' ? job.id : mode === 'append-and-settle' ? await changeQueue(job.workspaceId) : undefined;
  return { job, organization, workspace, start };
}

async function settled<R>(task: () => Promise<R>): Promise<Outcome<R>> {
  try {
    return { status: 'fulfilled', value: await task() };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

/**
 * What this process last wrote to a workspace's queue: the next creation in line starts from it rather
 * than from its own older read (a hint only; the write conditions decide).
 */
const recentlyWritten = new Map<string, WorkspaceRecord>();

function remember(workspace: WorkspaceRecord, jobId: number, mode: JoinMode): void {
  const version = (workspace.queueVersion ?? 0) + 1;
  const next: WorkspaceRecord =
    mode === 'claim'
      ? { ...workspace, activeJob: jobId, queueVersion: version }
      : { ...workspace, queue: [...(workspace.queue ?? []), jobId], queueVersion: version };
  recentlyWritten.set(workspace.id, next);
  if (recentlyWritten.size > 1000) recentlyWritten.delete(recentlyWritten.keys().next().value as string);
}

const newest = (read: WorkspaceRecord, hint: WorkspaceRecord | undefined) =>
  hint && (hint.queueVersion ?? 0) > (read.queueVersion ?? 0)
    ? { ...read, activeJob: hint.activeJob, queue: hint.queue, queueVersion: hint.queueVersion }
    : read;
