/**
 * Port: where a schedule's fire times come from. Adapters: EventBridge Scheduler in AWS, one schedule
 * per workspace schedule (adapters/aws/eventbridge-schedule-trigger.ts); one timer per enabled schedule
 * under `npm start` (adapters/local/timer-schedule-trigger.ts). Either way the trigger only says "fire
 * time t of schedule s has come": schedules/fire.ts creates the job, exactly once per (s, t).
 */
import type { ScheduleRecord } from '../schedules/records';

export interface ScheduleTrigger {
  /** The trigger now matches the record: armed when enabled, idle when disabled (created or replaced). */
  arm(schedule: ScheduleRecord): Promise<void>;
  /** The schedule was deleted: so is its trigger (nothing when there is none). */
  remove(scheduleId: string): Promise<void>;
  /** Fire time `fireTime` was handled: arm the next one, when the trigger does not repeat by itself. */
  fired(schedule: ScheduleRecord, fireTime: Date): Promise<void>;
}

/** What a trigger hands the fire function (EventBridge fills `fireTime` with the scheduled time). */
export interface FireEvent {
  scheduleId: string;
  fireTime: string;
}
