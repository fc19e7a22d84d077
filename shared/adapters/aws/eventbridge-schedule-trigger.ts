/**
 * Schedules in AWS: one EventBridge Scheduler schedule per workspace schedule (named by its id, in the
 * service's schedule group), targeting the fire function with `{scheduleId, fireTime}` where fireTime is
 * the scheduled time EventBridge substitutes. Nothing runs, and nothing is billed, between fires.
 *
 * A Quartz cron whose seconds field is `0` becomes EventBridge's own `cron(min hour dom month dow year)`
 * (same day-of-week numbers, `?`, `L`, `W`, `#`, names); EventBridge repeats it by itself. Any other
 * seconds field (sub-minute schedules, second 30 …) cannot be expressed there: the schedule is a one-time
 * `at(t)` for its next fire time, moved to the following one after each fire (`fired`). Fire times are
 * UTC either way. A disabled schedule keeps its EventBridge schedule, State DISABLED.
 */
import type { ScheduleRecord } from '../../schedules/records';
import type { ScheduleTrigger } from '../../ports/schedule-trigger';
import { atExpression, eventBridgeExpression, nextFireTime } from '../../domain/quartz-cron';
import { traced } from '../../observability/powertools';
import { classifyTransientErrors } from './transient';

export interface EventBridgeTarget {
  group: string;
  /** The fire function and the role EventBridge invokes it with; absent in the fire function itself (it re-arms from the schedule it reads). */
  targetArn?: string;
  roleArn?: string;
  deadLetterArn?: string;
}

/** What EventBridge puts in the fire function's event: the scheduled time, as ISO 8601. */
export const FIRE_INPUT = (scheduleId: string) => `{"scheduleId":${JSON.stringify(scheduleId)},"fireTime":"<aws.scheduler.scheduled-time>"}`;

/** An hour of retries at most: a fire that late is not worth a job (fire.ts skips it anyway once a later one is due). */
const RETRY_POLICY = { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 };

type Sdk = typeof import('./sdk/scheduler');

/** What the adapter sends commands with (the SDK client; a recorder in tests, where there is no EventBridge). */
export interface SchedulerSender {
  send(command: object): Promise<unknown>;
}

export function eventBridgeScheduleTrigger(target: EventBridgeTarget, sender?: SchedulerSender): ScheduleTrigger {
  let loaded: Promise<{ sdk: Sdk; client: SchedulerSender }> | undefined;
  const scheduler = () =>
    (loaded ??= import('./sdk/scheduler').then((sdk) => ({ sdk, client: sender ?? classifyTransientErrors(traced(new sdk.SchedulerClient({}))) })));

  /** The expression for the schedule now: its own cron, or at() its next fire time (none left: undefined). */
  const expressionAfter = (s: ScheduleRecord, after: Date) => {
    const next = nextFireTime(s.cron, after);
    if (!next) return undefined;
    return eventBridgeExpression(s.cron) ?? atExpression(next);
  };

  async function put(s: ScheduleRecord, expression: string, targetOf: () => Promise<{ Arn: string; RoleArn: string; DeadLetterConfig?: { Arn: string } }>) {
    const { sdk, client } = await scheduler();
    const input = {
      Name: s.id,
      GroupName: target.group,
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      State: s.enabled ? ('ENABLED' as const) : ('DISABLED' as const),
      Description: `Terrakube workspace ${s.workspaceId} schedule ${s.id}`,
      ActionAfterCompletion: 'NONE' as const,
      Target: { ...(await targetOf()), Input: FIRE_INPUT(s.id), RetryPolicy: RETRY_POLICY },
    };
    try {
      await client.send(new sdk.UpdateScheduleCommand(input));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
      await client.send(new sdk.CreateScheduleCommand(input));
    }
  }

  const ownTarget = async () => {
    if (!target.targetArn || !target.roleArn) throw new Error('this function cannot arm new schedules (no fire target in its environment)');
    return { Arn: target.targetArn, RoleArn: target.roleArn, ...(target.deadLetterArn ? { DeadLetterConfig: { Arn: target.deadLetterArn } } : {}) };
  };

  async function remove(id: string): Promise<void> {
    const { sdk, client } = await scheduler();
    try {
      await client.send(new sdk.DeleteScheduleCommand({ Name: id, GroupName: target.group }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
    }
  }

  return {
    async arm(s) {
      const expression = expressionAfter(s, new Date());
      if (!expression) return remove(s.id);
      await put(s, expression, ownTarget);
    },
    remove,
    async fired(s, fireTime) {
      if (eventBridgeExpression(s.cron)) return;
      const expression = expressionAfter(s, new Date(Math.max(fireTime.getTime(), Date.now())));
      if (!expression) return remove(s.id);
      // The fire function re-arms with the target the schedule already has.
      await put(s, expression, async () => {
        const { sdk, client } = await scheduler();
        const current = (await client.send(new sdk.GetScheduleCommand({ Name: s.id, GroupName: target.group }))) as import('./sdk/scheduler').GetScheduleCommandOutput;
        if (!current.Target?.Arn || !current.Target.RoleArn) throw new Error(`EventBridge schedule ${s.id} has no target`);
        return { Arn: current.Target.Arn, RoleArn: current.Target.RoleArn, ...(current.Target.DeadLetterConfig?.Arn ? { DeadLetterConfig: { Arn: current.Target.DeadLetterConfig.Arn } } : {}) };
      });
    },
  };
}
