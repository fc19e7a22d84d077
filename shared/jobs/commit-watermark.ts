/**
 * Job ids of an organization: reserved by an atomic counter (`lastJobId`, never contended) and committed
 * in id order through a watermark (`committedJobId`, moved from id-1 to id in the transaction that writes
 * the job), so jobs join their workspace queues in id order even when created at the same instant.
 *
 * A creation that fails after reserving its id marks the id abandoned (`abandonedJobIds`, a number set
 * on the same counter item): whoever waits behind it moves the watermark past every abandoned id in one
 * write, instead of waiting for each to stall. A creator that died without marking its id (a crashed
 * process) is skipped after COMMIT_STALL_MS without progress. Either way the id becomes a gap.
 */
import { Unavailable } from '../domain/errors';
import { logger } from '../logger';
import { markJobIdAbandoned, planMoveWatermark, planNoJobAt, readJobCounter, type JobCounter } from '../store/repositories/job-ids';
import { commit, ConditionFailed, type TxItem } from '../store/repositories/batch';

export { reserveJobId, reserveJobIds } from '../store/repositories/job-ids';

export const COMMIT_STALL_MS = 3000;
/** At most this many ids are skipped in one transaction (each needs its own "no such job" check). */
const MAX_SKIP = 50;

type Counter = JobCounter | undefined;
const committedOf = (counter: Counter) => Number(counter?.committedJobId ?? 0);

/** The last id of the run of abandoned ids right after the watermark, not beyond `limit` (or the watermark itself). */
function abandonedThrough(counter: Counter, limit: number): number {
  let last = committedOf(counter);
  while (last < limit && last - committedOf(counter) < MAX_SKIP && counter?.abandonedJobIds?.has(last + 1)) last++;
  return last;
}

/**
 * The write that commits ids first..last at once (a group commit, whose transaction writes every one
 * of their jobs): it moves the mark from first-1 straight to last.
 */
export const commitIdRange = (orgId: string, first: number, last: number): TxItem => planMoveWatermark(orgId, first - 1, last);

/** The organization's "jobs committed through id" mark, as seen by the creation of job `id`. */
export class CommitWatermark {
  private lastSeen = -1;
  private lastProgressAt = Date.now();

  constructor(
    private readonly orgId: string,
    private readonly id: number,
  ) {}

  /** The write that commits this id: part of the transaction that puts the job. */
  advance(): TxItem {
    return planMoveWatermark(this.orgId, this.id - 1, this.id);
  }

  /**
   * Waits until every earlier creation committed, reading the mark (reads never collide with the
   * transactions in flight, while a doomed transaction would) and skipping abandoned or stalled ids.
   */
  async waitForTurn(): Promise<void> {
    for (;;) {
      const counter = await readJobCounter(this.orgId);
      const committed = committedOf(counter);
      if (committed >= this.id) throw new Unavailable('this job creation took too long and was abandoned; retry', 1);
      if (committed === this.id - 1) return;
      const abandoned = abandonedThrough(counter, this.id - 1);
      if (abandoned > committed) {
        await this.skip(committed + 1, abandoned);
        continue;
      }
      if (committed !== this.lastSeen) {
        this.lastSeen = committed;
        this.lastProgressAt = Date.now();
      } else if (Date.now() - this.lastProgressAt > COMMIT_STALL_MS) {
        await this.skip(committed + 1, committed + 1);
        continue;
      }
      const ahead = this.id - 1 - committed;
      await new Promise((r) => setTimeout(r, Math.min(100, 2 + ahead * 4) * (0.5 + Math.random())));
    }
  }

  /**
   * This creation failed after reserving its id: mark it abandoned (unless it committed after all), and
   * when its turn has come, move the mark past it and any abandoned ids after it. Best effort: if even
   * the mark cannot be written, the next creation skips the id once it stalls.
   */
  async abandon(): Promise<void> {
    try {
      const counter = await markJobIdAbandoned(this.orgId, this.id);
      if (committedOf(counter) === this.id - 1) await this.skip(this.id, abandonedThrough(counter, Number.MAX_SAFE_INTEGER));
    } catch (error) {
      if (!(error instanceof ConditionFailed))
        logger.warn('could not release an abandoned job id', { organizationId: this.orgId, jobId: this.id, error: (error as Error).name });
    }
  }

  /** Moves the mark from first-1 to last: ids first..last reserved a job that was never written (a gap). */
  private async skip(first: number, last: number): Promise<void> {
    const ids = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    try {
      await commit([planMoveWatermark(this.orgId, first - 1, last, ids), ...ids.map((id) => planNoJobAt(this.orgId, id, () => new ConditionFailed(1)))]);
    } catch (error) {
      // Someone else moved the mark (or the job exists after all): the next read shows where it is.
      // A throttled skip is retried by the next round of the wait.
      if (!(error instanceof ConditionFailed) && !(error instanceof Unavailable)) throw error;
    }
    this.lastProgressAt = Date.now();
  }
}
