/** Reading the soak's jobs back over HTTP, and checking that no workspace ran two at once by their steps' times. */

export interface StoredJob {
  id: string;
  status: string;
  ended: boolean;
  output: string;
  workspaceId: string;
  /** When its first step started and its last step finished, as the service recorded them. */
  ran?: { from: number; to: number };
}

type Api = (method: string, path: string) => Promise<Response>;
type Resource = { id: string; type: string; attributes: Record<string, any>; relationships?: Record<string, { data?: any }> };

const ENDED = new Set(['completed', 'failed', 'cancelled', 'rejected']);

/** Every job of the organization with its steps (all pages). */
export async function collectJobs(api: Api, org: string): Promise<StoredJob[]> {
  const jobs: StoredJob[] = [];
  let next: string | undefined = `/api/v1/organization/${org}/job?page[size]=100&include=step`;
  while (next) {
    const res = await api('GET', next);
    if (res.status !== 200) throw new Error(`listing jobs answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { data: Resource[]; included?: Resource[]; links?: { next?: string | null } };
    const steps = new Map((page.included ?? []).filter((r) => r.type === 'step').map((s) => [s.id, s.attributes]));
    for (const job of page.data) {
      const own = ((job.relationships?.step?.data as { id: string }[] | undefined) ?? []).map((ref) => steps.get(ref.id)).filter((s) => s?.startedDate);
      const starts = own.map((s) => Date.parse(s?.startedDate));
      const ends = own.map((s) => Date.parse(s?.finishedDate ?? new Date().toISOString()));
      jobs.push({
        id: job.id,
        status: String(job.attributes.status),
        ended: ENDED.has(String(job.attributes.status)),
        output: String(job.attributes.output ?? ''),
        workspaceId: String(job.relationships?.workspace?.data?.id ?? ''),
        ran: starts.length ? { from: Math.min(...starts), to: Math.max(...ends) } : undefined,
      });
    }
    const link = page.links?.next;
    next = link ? link.replace(/^https?:\/\/[^/]+/, '') : undefined;
  }
  return jobs;
}

/** Pairs of jobs of one workspace whose runs overlap in time (by the steps' recorded start and finish). */
export function overlapsOf(jobs: StoredJob[]): string[] {
  const out: string[] = [];
  const byWorkspace = new Map<string, StoredJob[]>();
  for (const job of jobs) if (job.ran) byWorkspace.set(job.workspaceId, [...(byWorkspace.get(job.workspaceId) ?? []), job]);
  for (const [workspace, runs] of byWorkspace) {
    runs.sort((a, b) => (a.ran?.from ?? 0) - (b.ran?.from ?? 0));
    for (let i = 1; i < runs.length; i++) {
      const [before, after] = [runs[i - 1] as StoredJob, runs[i] as StoredJob];
      if ((after.ran?.from ?? 0) < (before.ran?.to ?? 0)) out.push(`workspace ${workspace}: job ${after.id} started before job ${before.id} ended`);
    }
  }
  return out;
}
