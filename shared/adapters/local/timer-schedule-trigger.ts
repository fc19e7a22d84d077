/**
 * Schedules under `npm start`: one timer per enabled schedule, set for its next fire time (no table
 * polling). `armAll` rebuilds them from the table at start, and makes at most one catch-up fire per
 * schedule: its latest fire time missed while the service was down (fire.ts takes it only if it is
 * still the latest due). A failed fire is retried a few times, like a Lambda invocation. Timers are
 * unref'd: they never keep the process alive.
 */
import { parseQuartzCron } from '../../domain/quartz-cron';
import { logger } from '../../logger';
import type { ScheduleTrigger } from '../../ports/schedule-trigger';
import type { ScheduleRecord } from '../../schedules/records';

/** Where time comes from: tests inject their own. */
export interface Clock {
  now(): Date;
}
const systemClock: Clock = { now: () => new Date() };

/** setTimeout's longest delay (about 24.8 days): a later fire time is reached in several hops. */
const MAX_DELAY_MS = 2 ** 31 - 1;
const ATTEMPTS = 4;

export interface TimerScheduleTrigger extends ScheduleTrigger {
  /** Arms every enabled schedule; fires each one's latest missed fire time since it was last changed. */
  armAll(schedules: ScheduleRecord[]): Promise<void>;
  /** When each armed schedule fires next (tests, the `npm start` log). */
  armed(): Map<string, Date>;
  stop(): void;
}

export function timerScheduleTrigger(fire: (scheduleId: string, fireTime: Date) => Promise<unknown>, clock: Clock = systemClock): TimerScheduleTrigger {
  const timers = new Map<string, { at: Date; timer: NodeJS.Timeout }>();
  let stopped = false;

  const clear = (id: string) => {
    const t = timers.get(id);
    if (t) clearTimeout(t.timer);
    timers.delete(id);
  };

  async function fireWithRetries(id: string, at: Date): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await fire(id, at);
        return;
      } catch (error) {
        if (attempt >= ATTEMPTS || stopped) return logger.error('schedule fire failed after retries', { scheduleId: id, fireTime: at.toISOString(), error });
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt).unref());
      }
    }
  }

  function setFor(id: string, at: Date): void {
    clear(id);
    if (stopped) return;
    const delay = at.getTime() - clock.now().getTime();
    const timer = setTimeout(
      () => {
        if (timers.get(id)?.timer !== timer) return;
        if (delay > MAX_DELAY_MS) return setFor(id, at);
        timers.delete(id);
        void fireWithRetries(id, at);
      },
      Math.max(0, Math.min(delay, MAX_DELAY_MS)),
    );
    timer.unref();
    timers.set(id, { at, timer });
  }

  /** The next fire time after `after`, armed (a schedule with none left — a past year — has no timer). */
  function armAfter(schedule: ScheduleRecord, after: Date): void {
    if (!schedule.enabled) return clear(schedule.id);
    const next = parseQuartzCron(schedule.cron).next(after);
    if (next) setFor(schedule.id, next);
    else clear(schedule.id);
  }

  return {
    arm: async (schedule) => armAfter(schedule, clock.now()),
    remove: async (id) => clear(id),
    // Never before the fire just handled: a timer that woke a little early must not fire twice.
    fired: async (schedule, fireTime) => armAfter(schedule, new Date(Math.max(fireTime.getTime(), clock.now().getTime()))),
    async armAll(schedules) {
      const now = clock.now();
      for (const schedule of schedules) {
        if (!schedule.enabled) continue;
        armAfter(schedule, now);
        const missed = parseQuartzCron(schedule.cron).previous(now);
        if (missed && missed.getTime() > Date.parse(schedule.updatedDate)) void fireWithRetries(schedule.id, missed);
      }
    },
    armed: () => new Map([...timers].map(([id, t]) => [id, t.at])),
    stop() {
      stopped = true;
      for (const id of [...timers.keys()]) clear(id);
    },
  };
}
