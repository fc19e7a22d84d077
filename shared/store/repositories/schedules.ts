/**
 * Schedules live in a partition of their own (SCHEDULE#<sc>), like webhooks: the trigger knows only the
 * schedule id, and one GetItem reads it. The fire times a schedule created jobs at (FIRE#<time>) share
 * that partition, so deleting a schedule removes them; a workspace's schedules are listed through GSI1
 * WS#<ws>#SCHEDULE, and every schedule through GSI2 SCHEDULES (read by `npm start` when it arms its timers).
 */
import { NotFound } from '../../domain/errors';
import type { ScheduleFireRecord, ScheduleRecord } from '../../schedules/records';
import { indexes, keys, partitions } from '../keys';
import { deleteAll, keyOf, read, readPartition, ref, stripKeys, type Ref } from '../table';
import { check, conditions, put, remove, update, type TxItem, type WritePlan } from '../writes';

export const scheduleRef = (id: string): Ref<ScheduleRecord> => ref(keys.schedule(id));
export const getSchedule = (id: string) => read(scheduleRef(id));

export const scheduleNotFound = (id: string) => new NotFound(`schedule ${id} does not exist`);

/** A workspace's schedules, oldest first. */
export async function listSchedules(ws: string): Promise<ScheduleRecord[]> {
  return (await readPartition(partitions.schedulesOfWorkspace(ws))).map((i) => stripKeys<ScheduleRecord>(i));
}

/** Every schedule of the service (`npm start` arms its timers from it; no request reads it). */
export async function listAllSchedules(): Promise<ScheduleRecord[]> {
  return (await readPartition(partitions.schedules())).map((i) => stripKeys<ScheduleRecord>(i));
}

/** The schedule, and a check that its workspace still exists. */
export function planCreateSchedule(s: ScheduleRecord): WritePlan {
  return [
    put({ ...keys.schedule(s.id), ...indexes.schedule(s.workspaceId, s.createdDate, s.id), ...s }, conditions.absent),
    check(keys.workspace(s.workspaceId), conditions.exists, () => new NotFound(`workspace ${s.workspaceId} does not exist`)),
  ];
}

export function planUpdateSchedule(s: ScheduleRecord, changes: Partial<ScheduleRecord>): WritePlan {
  return [update(keys.schedule(s.id), changes, { condition: conditions.exists }, () => scheduleNotFound(s.id))];
}

export function planDeleteSchedule(s: ScheduleRecord): WritePlan {
  return [remove(keys.schedule(s.id), conditions.exists, () => scheduleNotFound(s.id))];
}

/** Two days: far past the last retry of a trigger (an hour), so a duplicate always finds it. */
export const FIRE_RECORD_SECONDS = 2 * 86_400;

/**
 * The fire time's record, put only if absent and only while the schedule exists and is enabled: it goes
 * into the transaction that writes the job, so a duplicated trigger, and a fire racing a disable or a
 * delete, create no job. `alreadyFired` / `gone` say which condition failed.
 */
export function planClaimFire(fire: ScheduleFireRecord, errors: { alreadyFired: () => Error; gone: () => Error }): TxItem[] {
  return [
    put({ ...keys.scheduleFire(fire.scheduleId, fire.fireTime), ...fire }, conditions.absent, errors.alreadyFired),
    check(keys.schedule(fire.scheduleId), { expression: 'attribute_exists(pk) AND enabled = :on', values: { ':on': true } }, errors.gone),
  ];
}

export async function getFire(scheduleId: string, fireTime: string): Promise<ScheduleFireRecord | undefined> {
  return read(ref<ScheduleFireRecord>(keys.scheduleFire(scheduleId, fireTime)));
}

/** What is left in a deleted schedule's partition: its fire records. */
export async function removeSchedulePartition(id: string): Promise<void> {
  await deleteAll((await readPartition(partitions.schedule(id), { keysOnly: true })).map(keyOf));
}
