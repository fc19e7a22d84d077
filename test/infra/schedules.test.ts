/**
 * The schedule parts of the stack: an EventBridge Scheduler group (no schedule in the template: one is
 * created per workspace schedule at run time), the fire function, the role EventBridge invokes it with
 * (that function and the dead letters only, assumable only by EventBridge Scheduler of this account for
 * this group), and who may manage schedules. Nothing polls. cdk-nag has nothing unacknowledged.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { ROUTES } from '../../shared/routes';
import { sharedSynth, type SharedSynth } from '../helpers/shared-synth';
import { actionsOf } from '../helpers/template';

type Json = Record<string, any>;
let synth: SharedSynth;
beforeAll(async () => {
  synth = await sharedSynth('default');
});

const FIRE = 'Creates the job of a workspace schedule at its fire time (exactly once per fire time) and starts its run';
const statementsOfRole = (roleId: string) =>
  Object.values(synth.template.findResources('AWS::IAM::Policy') as Record<string, Json>)
    .filter((p) => p.Properties.Roles.some((r: Json) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Json[]);

describe('schedules in the CDK stack', () => {
  it('has one schedule group and no schedule of its own (each workspace schedule makes one at run time), and nag is clean', () => {
    synth.template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    synth.template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    expect(synth.nagViolations).toEqual([]);
  });

  it('lets only EventBridge Scheduler of this account, for this group, invoke only the fire function and send only to its dead letters', () => {
    const roles = synth.template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })]) } },
    }) as Record<string, Json>;
    expect(Object.keys(roles)).toHaveLength(1);
    const [roleId, role] = Object.entries(roles)[0] as [string, Json];
    const trust = role.Properties.AssumeRolePolicyDocument.Statement[0];
    expect(trust.Condition.StringEquals['aws:SourceAccount']).toBe('123456789012');
    expect(JSON.stringify(trust.Condition.ArnLike['aws:SourceArn'])).toMatch(/:scheduler:eu-west-1:123456789012:schedule\/.*\/\*/);
    const statements = statementsOfRole(roleId);
    const actions = statements.flatMap((s) => [].concat(s.Action)).sort();
    expect(actions).toEqual(['lambda:InvokeFunction', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
    const invoke = statements.find((s) => s.Action === 'lambda:InvokeFunction') as Json;
    const fire = Object.entries(synth.template.findResources('AWS::Lambda::Function', { Properties: { Description: FIRE } }))[0]?.[0];
    expect(JSON.stringify(invoke.Resource)).toContain(fire);
  });

  it('gives the fire function the table, run starts, and re-arming its own group only; the schedule writers Create/Update/Delete and PassRole to Scheduler only', () => {
    expect(actionsOf(synth.template, FIRE)).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'states:StartExecution', 'scheduler:GetSchedule', 'scheduler:UpdateSchedule', 'iam:PassRole']));
    expect(actionsOf(synth.template, FIRE)).not.toContain('scheduler:CreateSchedule');
    const writers = ROUTES.filter((r) => r.access.includes('schedules:manage')).map((r) => `${r.method} ${r.path}`);
    expect(writers.sort()).toEqual(
      [
        ...['POST', 'PATCH', 'DELETE'].flatMap((m) => [
          `${m} /api/v1/organization/{orgId}/workspace/{workspaceId}/schedule${m === 'POST' ? '' : '/{scheduleId}'}`,
          `${m} /api/v1/workspace/{workspaceId}/schedule${m === 'POST' ? '' : '/{scheduleId}'}`,
        ]),
        'DELETE /api/v1/organization/{orgId}/workspace/{workspaceId}',
        // A soft delete (PATCH deleted: true) disables the workspace's schedules.
        'PATCH /api/v1/organization/{orgId}/workspace/{workspaceId}',
        // ... also when an atomic operation does it.
        'POST /api/v1/operations',
      ].sort(),
    );
    for (const route of ROUTES.filter((r) => r.path.includes('/schedule') && r.method === 'GET')) {
      expect(actionsOf(synth.template, `${route.method} ${route.path}`).filter((a) => a.startsWith('scheduler:') || a === 'iam:PassRole')).toEqual([]);
    }
    const passRoles = Object.values(synth.template.findResources('AWS::IAM::Policy') as Record<string, Json>)
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Json[])
      .filter((s) => [].concat(s.Action).includes('iam:PassRole' as never));
    expect(passRoles.length).toBeGreaterThan(0);
    for (const s of passRoles) expect(s.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
  });

  it('hands the API the group, the fire target, the invoke role and the dead letters in its environment', () => {
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'POST /api/v1/workspace/{workspaceId}/schedule',
      Environment: { Variables: Match.objectLike({ SCHEDULE_GROUP: Match.anyValue(), SCHEDULE_TARGET_ARN: Match.anyValue(), SCHEDULER_ROLE_ARN: Match.anyValue(), SCHEDULE_DEAD_LETTER_ARN: Match.anyValue() }) },
    });
    synth.template.hasResourceProperties('AWS::Lambda::Function', { Description: FIRE, Environment: { Variables: Match.objectLike({ SCHEDULE_GROUP: Match.anyValue(), STATE_MACHINE_ARN: Match.anyValue() }) } });
  });
});
