/**
 * Workspace schedules in AWS: an EventBridge Scheduler group holding one schedule per workspace schedule
 * (created, updated, disabled and deleted by the API with the record), the fire function they invoke,
 * the role EventBridge invokes it with (that function only), and a dead-letter queue for fires whose
 * retries ran out. Nothing polls: between fires nothing runs and nothing is billed. The API routes get
 * their part through `grantManage`.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SchedulerEnv, type EnvironmentOf } from '../../shared/env';
import { acknowledge, acknowledgeWildcard } from '../nag';
import type { JobsTable } from './jobs-table';
import { ServiceFunction } from './service-function';

export interface SchedulesProps {
  table: JobsTable;
  /** The table and the state machine: the fire function creates jobs and starts their runs. */
  environment: Omit<EnvironmentOf<typeof SchedulerEnv>, 'SCHEDULE_GROUP'>;
  stateMachineArn: string;
}

export class Schedules extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly fire: ServiceFunction;
  /** The role EventBridge Scheduler assumes to invoke the fire function (and to send to the dead letters). */
  readonly invokeRole: iam.Role;
  readonly deadLetters: sqs.Queue;
  /** Every schedule of the group: what the API may create, update and delete. */
  readonly schedulesArn: string;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, 'Group', {});
    const stack = Stack.of(this);
    this.schedulesArn = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.group.scheduleGroupName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', { enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14) });
    acknowledge(this.deadLetters, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the workspace schedules\' EventBridge targets; it has no DLQ of its own.');

    this.fire = new ServiceFunction(this, 'Fire', {
      entry: 'functions/schedules/fire.ts',
      description: 'Creates the job of a workspace schedule at its fire time (exactly once per fire time) and starts its run',
      env: SchedulerEnv,
      environment: { ...props.environment, SCHEDULE_GROUP: this.group.scheduleGroupName },
      timeout: Duration.seconds(60),
    });
    props.table.grantRead(this.fire.role);
    props.table.grantWrite(this.fire.role);
    iam.Grant.addToPrincipal({ grantee: this.fire.role, actions: ['states:StartExecution'], resourceArns: [props.stateMachineArn] });

    // Only EventBridge Scheduler of this account, for a schedule of this group, may assume it.
    this.invokeRole = new iam.Role(this, 'InvokeRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': this.schedulesArn } },
      }),
      description: 'EventBridge Scheduler invokes the schedule fire function with this role',
    });
    iam.Grant.addToPrincipal({ grantee: this.invokeRole, actions: ['lambda:InvokeFunction'], resourceArns: [this.fire.fn.functionArn] });
    this.deadLetters.grantSendMessages(this.invokeRole);

    // A sub-minute schedule is a one-time at() the fire function moves to the next fire time.
    iam.Grant.addToPrincipal({ grantee: this.fire.role, actions: ['scheduler:GetSchedule', 'scheduler:UpdateSchedule'], resourceArns: [this.schedulesArn] });
    this.grantPassRole(this.fire.role);
    acknowledgeWildcard(this.fire.role, this.schedulesArn,
      'EventBridge schedules are named by the workspace schedule ids the API creates at run time; the grant is limited to the service\'s own schedule group.');
  }

  /** The API: create, update and delete schedules of the group, and hand them the invoke role. */
  grantManage(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'], resourceArns: [this.schedulesArn] });
    acknowledgeWildcard(grantee instanceof Construct ? grantee : this, this.schedulesArn,
      'EventBridge schedules are named by the workspace schedule ids created at run time; the grant is limited to the service\'s own schedule group.');
    this.grantPassRole(grantee);
  }

  private grantPassRole(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: [this.invokeRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
  }
}
