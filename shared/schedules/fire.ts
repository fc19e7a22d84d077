/**
 * A schedule's fire: at fire time t, one job `via: Schedule` with the schedule's template, created by the
 * schedule's creator, through the same path as every job (queue, locks, approvals), and its run started.
 *
 * Exactly once per (schedule, t): the fire record SCHEDULE#<s>/FIRE#<t> is put, if absent and only while
 * the schedule exists and is enabled, in the transaction that writes the job (create-job `alsoWrite`).
 * A duplicated or retried trigger, and a fire racing a disable or a delete, find the condition failed
 * and create nothing. A trigger for a time the current cron does not fire at (the cron changed since it
 * was armed) is ignored.
 *
 * No replay after downtime: a fire is taken only while it is the latest fire time due (its next fire
 * time is still ahead); a backlog of late triggers (EventBridge retrying through an outage, `npm start`
 * coming back) therefore makes at most one catch-up job.
 *
 * DynamoDB round trips: GetItem of the schedule, then createJob's own (a BatchGet, the id reservation
 * and one transaction, which carries the fire record).
 */
import { Conflict, isPermanent } from '../domain/errors';
import { parseQuartzCron } from '../domain/quartz-cron';
import { createdRun, createJob, runToStart } from '../jobs/create-job';
import { logger } from '../logger';
import type { FireEvent } from '../ports/schedule-trigger';
import { startRun } from '../runs/start-run';
import { FIRE_RECORD_SECONDS, getSchedule, planClaimFire } from '../store/repositories/schedules';
import { scheduleTrigger } from '../wiring';
import type { ScheduleRecord } from './records';

export type FireOutcome =
  | { outcome: 'created'; jobId: number }
  | { outcome: 'duplicate' | 'disabled' | 'stale' | 'late' | 'failed' };

class AlreadyFired extends Conflict {}
class ScheduleGone extends Conflict {}

/** Fire times are kept to the second: EventBridge's scheduled time and a local timer's name the same instant alike. */
const toSecond = (t: Date) => new Date(Math.floor(t.getTime() / 1000) * 1000);

export async function fireSchedule(event: FireEvent, now: Date = new Date()): Promise<FireOutcome> {
  const fireAt = toSecond(new Date(event.fireTime));
  if (Number.isNaN(fireAt.getTime())) throw new Error(`unreadable fire time ${event.fireTime}`);
  const schedule = await getSchedule(event.scheduleId);
  const context = { scheduleId: event.scheduleId, fireTime: fireAt.toISOString() };
  if (!schedule || !schedule.enabled) {
    logger.info('schedule fire ignored: the schedule is disabled or deleted', context);
    return { outcome: 'disabled' };
  }
  const outcome = await decide(schedule, fireAt, now, context);
  // Whatever became of this fire, the next one is armed (an at() chain must not end on a late or stale fire).
  if (outcome.outcome !== 'disabled') await scheduleTrigger().fired(schedule, fireAt);
  return outcome;
}

async function decide(schedule: ScheduleRecord, fireAt: Date, now: Date, context: Record<string, unknown>): Promise<FireOutcome> {
  const cron = parseQuartzCron(schedule.cron);
  if (!cron.fires(fireAt)) {
    logger.info('schedule fire ignored: its cron no longer fires at that time', context);
    return { outcome: 'stale' };
  }
  const next = cron.next(fireAt);
  if (next && next.getTime() <= now.getTime()) {
    logger.info('schedule fire skipped: a later fire time is already due (no replay)', context);
    return { outcome: 'late' };
  }
  return createScheduledJob(schedule, fireAt, context);
}

async function createScheduledJob(schedule: ScheduleRecord, fireAt: Date, context: Record<string, unknown>): Promise<FireOutcome> {
  const fireTime = fireAt.toISOString();
  try {
    const created = await createJob(
      {
        organizationId: schedule.organizationId,
        workspaceId: schedule.workspaceId,
        templateReference: schedule.templateReference,
        tcl: schedule.tcl,
        via: 'Schedule',
        refresh: true,
        refreshOnly: false,
        autoApply: false,
        comments: null,
        createdBy: schedule.createdBy,
        alsoWrite: planClaimFire(
          { scheduleId: schedule.id, fireTime, expiresAt: Math.floor(fireAt.getTime() / 1000) + FIRE_RECORD_SECONDS },
          { alreadyFired: () => new AlreadyFired(`fire ${fireTime} already created its job`), gone: () => new ScheduleGone('schedule disabled or deleted') },
        ),
      },
      { trigger: 'schedule' },
    );
    logger.info('schedule fire created a job', { ...context, jobId: created.job.id });
    const run = runToStart(created);
    if (run) await startRun(run, createdRun(created));
    return { outcome: 'created', jobId: created.job.id };
  } catch (error) {
    if (error instanceof AlreadyFired) return { outcome: 'duplicate' };
    if (error instanceof ScheduleGone) return { outcome: 'disabled' };
    // The template, the workspace or the organization is gone: retrying cannot help; the next fire may.
    if (isPermanent(error)) {
      logger.warn('schedule fire could not create a job', { ...context, reason: (error as Error).message });
      return { outcome: 'failed' };
    }
    throw error;
  }
}
