/**
 * The EventBridge Scheduler adapter's requests (there is no EventBridge here: a recorder stands in for the
 * SDK client and answers as EventBridge would): a second-0 Quartz cron becomes EventBridge's own cron(),
 * anything else a one-time at() moved to the next fire time after each fire; disabled is State DISABLED;
 * delete tolerates a schedule already gone.
 */
import { describe, expect, it } from 'vitest';
import { eventBridgeScheduleTrigger, type SchedulerSender } from '../../shared/adapters/aws/eventbridge-schedule-trigger';
import type { ScheduleRecord } from '../../shared/schedules/records';

const target = { group: 'tk-schedules', targetArn: 'arn:aws:lambda:eu-west-1:111122223333:function:fire', roleArn: 'arn:aws:iam::111122223333:role/invoke', deadLetterArn: 'arn:aws:sqs:eu-west-1:111122223333:dlq' };

function recorder() {
  const sent: { name: string; input: any }[] = [];
  const existing = new Map<string, any>();
  const notFound = () => Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
  const sender: SchedulerSender = {
    async send(command: any) {
      const name = command.constructor.name.replace(/Command$/, '');
      const input = command.input;
      sent.push({ name, input });
      if (name === 'UpdateSchedule') {
        if (!existing.has(input.Name)) throw notFound();
        existing.set(input.Name, input);
      } else if (name === 'CreateSchedule') existing.set(input.Name, input);
      else if (name === 'DeleteSchedule') {
        if (!existing.delete(input.Name)) throw notFound();
      } else if (name === 'GetSchedule') {
        if (!existing.has(input.Name)) throw notFound();
        return existing.get(input.Name);
      }
      return {};
    },
  };
  return { sent, existing, sender };
}

const schedule = (cron: string, enabled = true): ScheduleRecord => ({
  id: '7a0e6f8e-6a43-4c2b-9d43-8f1b4f6c1e11',
  organizationId: 'o',
  workspaceId: 'w',
  cron,
  templateReference: 't',
  tcl: null,
  description: null,
  enabled,
  createdBy: 'a',
  createdDate: '2026-01-01T00:00:00.000Z',
  updatedBy: 'a',
  updatedDate: '2026-01-01T00:00:00.000Z',
});

describe('EventBridge schedule trigger', () => {
  it('creates one EventBridge schedule per workspace schedule with its cron(), UTC, the fire target and its retry policy', async () => {
    const { sent, existing, sender } = recorder();
    const trigger = eventBridgeScheduleTrigger(target, sender);
    await trigger.arm(schedule('0 0 0 ? * MON-FRI'));
    expect(sent.map((s) => s.name)).toEqual(['UpdateSchedule', 'CreateSchedule']);
    const created = existing.get(schedule('').id);
    expect(created).toMatchObject({
      GroupName: 'tk-schedules',
      ScheduleExpression: 'cron(0 0 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: { Arn: target.targetArn, RoleArn: target.roleArn, DeadLetterConfig: { Arn: target.deadLetterArn }, RetryPolicy: { MaximumEventAgeInSeconds: 3600 } },
    });
    expect(JSON.parse(created.Target.Input.replace('<aws.scheduler.scheduled-time>', '2026-01-30T00:00:00Z'))).toEqual({ scheduleId: schedule('').id, fireTime: '2026-01-30T00:00:00Z' });
    // A repeating cron() needs nothing after a fire.
    sent.length = 0;
    await trigger.fired(schedule('0 0 0 ? * MON-FRI'), new Date());
    expect(sent).toEqual([]);
  });

  it('updates in place, disables with State DISABLED, and deletes (a schedule already gone is fine)', async () => {
    const { sent, existing, sender } = recorder();
    const trigger = eventBridgeScheduleTrigger(target, sender);
    await trigger.arm(schedule('0 0 0 ? * MON-FRI'));
    await trigger.arm(schedule('0 0 0 ? * MON-FRI', false));
    expect(existing.get(schedule('').id).State).toBe('DISABLED');
    sent.length = 0;
    await trigger.remove(schedule('').id);
    await trigger.remove(schedule('').id);
    expect(sent.map((s) => s.name)).toEqual(['DeleteSchedule', 'DeleteSchedule']);
    expect(existing.size).toBe(0);
  });

  it('arms what EventBridge cannot express (seconds other than 0) as a one-time at(), moved one fire time ahead after each fire', async () => {
    const { existing, sender } = recorder();
    const trigger = eventBridgeScheduleTrigger(target, sender);
    const everyFive = schedule('*/5 * * * * ? *');
    await trigger.arm(everyFive);
    const first = existing.get(everyFive.id).ScheduleExpression as string;
    expect(first).toMatch(/^at\(\d{4}-\d\d-\d\dT\d\d:\d\d:[0-5][05]\)$/);
    // The fire function has no target in its environment: it re-arms with the target the schedule has.
    const inFire = eventBridgeScheduleTrigger({ group: target.group }, sender);
    const fireTime = new Date(`${first.slice(3, -1)}Z`);
    await inFire.fired(everyFive, fireTime);
    const next = existing.get(everyFive.id);
    expect(new Date(`${next.ScheduleExpression.slice(3, -1)}Z`).getTime()).toBeGreaterThanOrEqual(fireTime.getTime() + 5000);
    expect(next.Target).toMatchObject({ Arn: target.targetArn, RoleArn: target.roleArn });
    // A cron with no fire time left (a past year) has no EventBridge schedule.
    await trigger.arm(schedule('0 0 0 1 1 ? 2001'));
    expect(existing.has(everyFive.id)).toBe(false);
  });
});
