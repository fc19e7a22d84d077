/** The job runner in CDK: the state machine (the one the local engine runs), CodeBuild, bucket, grants. */
import { beforeAll, describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { TerrakubeJobsStack } from '../../infra/stack';
import aslValidator from 'asl-validator';
import { BOUNDARY_VARIABLE, RESULT_VARIABLES } from '../../shared/runs/executor-contract';
import { chainWithinSeconds } from '../../infra/run-states';
import { renderRunDefinition, RUN_STATES } from '../../infra/state-machine';
import { ROUTES } from '../../shared/routes';
import { runDefinition } from '../../local/run-definition';
import type { Resource } from '../helpers/assembly/cloud-assembly';
import { actionsOf, synthesize, type Synthesized } from '../helpers/cdk';
import { simulator } from '../helpers/iam-simulation';

let synth: Synthesized;
let ec2Synth: Synthesized | undefined;
/** The EC2-compute variant, synthesized once for the tests that need it. */
const ec2 = () => (ec2Synth ??= synthesize({ executorCompute: 'ec2', timeouts: { stepSeconds: 1800, approvalSeconds: 3600 } }));
beforeAll(() => {
  synth = synthesize({ timeouts: { stepSeconds: 600, approvalSeconds: 3600 } });
});

type Json = Record<string, any>;
const one = (type: string): Json => Object.values(synth.template.findResources(type))[0] as Json;

/** The deployed definition with ARNs and names replaced, comparable with the local one. */
function deployedDefinition(): Json {
  const render = (v: unknown): string => (typeof v === 'string' ? v : (v as Json)['Fn::Join'] ? (v as Json)['Fn::Join'][1].map(render).join('') : 'TOKEN');
  return JSON.parse(render(one('AWS::StepFunctions::StateMachine').Properties.DefinitionString));
}
const withoutTargets = (definition: Json) =>
  JSON.parse(JSON.stringify(definition, (key, value) => (['Resource', 'FunctionName', 'ProjectName'].includes(key) ? 'X' : value)));

describe('the job run state machine', () => {
  it('is the same definition the local engine runs, and a valid one', () => {
    const deployed = deployedDefinition();
    const local = renderRunDefinition({ stepSeconds: 600, approvalSeconds: 3600 });
    expect(withoutTargets(deployed)).toEqual(withoutTargets(local));
    const { isValid, errorsText } = aslValidator(local as never, { checkArn: true, checkPaths: true });
    expect(isValid, errorsText('\n')).toBe(true);
    expect(Object.keys(deployed.States).sort()).toEqual(Object.values(RUN_STATES).sort());
    // The apply chained to a plan reaches the build without a state of its own (empty values when none).
    const passed = (local.States as Json).Execute.Parameters.EnvironmentVariablesOverride.map((v: Json) => `${v.Name}=${v['Value.$']}`);
    expect(passed).toEqual(expect.arrayContaining(['TK_NEXT_STEP=$.executor.next.step', 'TK_NEXT_CONTEXT=$.executor.next.context', 'TK_NEXT_CONTEXT_DISPOSE=$.executor.next.dispose', 'TK_NEXT_WITHIN_MS=$.executor.next.withinMs']));
  });

  it('reaches the local engine through its cache unchanged, keyed by the timeouts', async () => {
    const timeouts = { stepSeconds: 611, approvalSeconds: 3601 };
    const rendered = renderRunDefinition(timeouts);
    expect(await runDefinition(timeouts)).toEqual(rendered);
    expect(await runDefinition(timeouts)).toEqual(rendered);
    expect(((await runDefinition({ ...timeouts, stepSeconds: 612 })).States as Json).Execute.TimeoutSeconds).toBe(612 + 300 + 120);
  });

  it('gives every task a timeout and a way to the failure handler, in JSONPath', () => {
    const { States, QueryLanguage } = deployedDefinition();
    expect(QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const [name, state] of Object.entries(States as Record<string, Json>)) {
      if (state.Type !== 'Task') continue;
      expect(state.TimeoutSeconds, name).toBeGreaterThan(0);
      if (name !== RUN_STATES.recordFailure) expect(state.Catch?.[0]?.Next, name).toBe(RUN_STATES.recordFailure);
    }
    expect(States.Execute.TimeoutSeconds).toBe(600 + 300 + 120);
    expect(States.AwaitApproval).toMatchObject({ Resource: expect.stringContaining('lambda:invoke.waitForTaskToken'), TimeoutSeconds: 3600 });
    expect(States.Execute.Resource).toContain('codebuild:startBuild.sync');
  });

  it('retries what failed to run, never what ran: build starts refused by CodeBuild, Lambda service errors (issue 19 item 8)', () => {
    const { States } = deployedDefinition();
    const retried = (state: string) => (States[state].Retry ?? []).flatMap((r: Json) => r.ErrorEquals as string[]);
    expect(States.Execute.Retry).toEqual([expect.objectContaining({ ErrorEquals: ['CodeBuild.AccountLimitExceededException', 'CodeBuild.ThrottlingException'], BackoffRate: 2, JitterStrategy: 'FULL' })]);
    // A build that ran and failed (States.TaskFailed) or timed out is never started again.
    expect(retried('Execute')).not.toEqual(expect.arrayContaining(['States.ALL']));
    for (const state of [RUN_STATES.advance, RUN_STATES.awaitApproval, RUN_STATES.recordFailure]) {
      expect(retried(state), state).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException']));
    }
  });

  it('waits longer for each task than the task itself may run: function timeouts, the EC2 build timeout', () => {
    const check = (s: Synthesized) => {
      const sim = simulator(s);
      const [machine] = sim.assembly.resources('AWS::StepFunctions::StateMachine') as [Resource];
      const { States } = JSON.parse(String(sim.resolve(machine, machine.properties.DefinitionString))) as Json;
      const waits: string[] = [];
      for (const [name, state] of Object.entries(States as Record<string, Json>)) {
        if (state.Type !== 'Task') continue;
        const target = String(state.Parameters?.FunctionName ?? state.Parameters?.ProjectName ?? state.Resource);
        const fn = sim.assembly.findByPhysical('AWS::Lambda::Function', target);
        const project = sim.assembly.findByPhysical('AWS::CodeBuild::Project', target, 'Ref');
        // Lambda compute has no build timeout of its own: 15 minutes.
        const runs = fn ? Number(fn.properties.Timeout) : project?.properties.TimeoutInMinutes ? project.properties.TimeoutInMinutes * 60 : 900;
        expect(fn ?? project, `${name} → ${target}`).toBeDefined();
        expect(state.TimeoutSeconds, name).toBeGreaterThan(runs);
        waits.push(`${name} ${state.TimeoutSeconds} > ${runs}`);
      }
      return waits;
    };
    expect(check(synth)).toHaveLength(4);
    expect(check(ec2())).toContain('Execute 2220 > 2100');
  });

  it('is a logged, traced standard state machine with an overall timeout', () => {
    synth.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
    expect(deployedDefinition().TimeoutSeconds).toBeGreaterThan(3600);
  });
});

describe('the executor and its storage', () => {
  const project = (t = synth) => (Object.values(t.template.findResources('AWS::CodeBuild::Project'))[0] as Json).Properties;

  it('runs steps on CodeBuild Lambda compute (arm64), encrypted, exporting the executor result', () => {
    const p = project();
    expect(p.Environment).toMatchObject({ Type: 'ARM_LAMBDA_CONTAINER', ComputeType: 'BUILD_LAMBDA_2GB', Image: expect.stringContaining('nodejs22') });
    expect(p.TimeoutInMinutes).toBeUndefined();
    expect(p.EncryptionKey).toBeDefined();
    // No customer managed key billed monthly for the builds: the AWS managed S3 key.
    expect(JSON.stringify(p.EncryptionKey)).toContain('alias/aws/s3');
    // The webhook secrets key and the workload identity signing key (asymmetric: RSA_2048, SIGN_VERIFY).
    expect(Object.values(synth.template.findResources('AWS::KMS::Key')).map((k) => (k as Json).Properties.KeySpec ?? 'SYMMETRIC_DEFAULT').sort()).toEqual(['RSA_2048', 'SYMMETRIC_DEFAULT']);
    const spec = JSON.parse(p.Source.BuildSpec);
    // A chained plan's result rides beside its apply's (TK_BOUNDARY).
    expect(spec.env['exported-variables']).toEqual([...Object.values(RESULT_VARIABLES), BOUNDARY_VARIABLE]);
    expect(spec.phases.install['runtime-versions']).toBeUndefined();
    expect(spec.phases.build.commands[0]).toMatch(/node executor\.mjs \|\| grep -qs '\^TK_BOUNDARY=' result\.env$/);
    // The build is not even told the bucket: it reaches its step's objects through the URLs of its context.
    expect(p.Environment.EnvironmentVariables.map((v: Json) => v.Name)).toEqual(['TK_RESULT_ENV', 'TK_KILL_GRACE_MS']);
  });

  it('chains a plan\'s apply to its build only when the apply keeps its full step time (Advance is told how long the plan may take)', () => {
    const chainWithin = (s: Synthesized) => {
      const advance = Object.values(s.template.findResources('AWS::Lambda::Function')).find((f) => (f as Json).Properties.Description?.startsWith('Job run task: records')) as Json;
      return advance.Properties.Environment.Variables.TERRAKUBE_CHAIN_WITHIN_SECONDS;
    };
    // Lambda compute ends a build at 900 s: 600 s steps leave the plan 240 s (a minute goes to install and uploads).
    expect([chainWithinSeconds({ stepSeconds: 600, approvalSeconds: 1 }, 'lambda'), chainWithin(synth)]).toEqual([240, '240']);
    // The default 840 s steps leave no room: each step is a build of its own.
    expect(chainWithinSeconds({ stepSeconds: 840, approvalSeconds: 1 }, 'lambda')).toBe(0);
    expect(chainWithin(synthesize({}))).toBeUndefined();
    // EC2 compute: the build's timeout is the step's and 300 s, two minutes of which go to provisioning, install and uploads.
    expect([chainWithinSeconds({ stepSeconds: 1800, approvalSeconds: 1 }, 'ec2'), chainWithin(ec2())]).toEqual([180, '180']);
  });

  it('refuses a step timeout Lambda compute cannot hold, and runs long steps on EC2 compute instead', () => {
    expect(() => synthesize({ timeouts: { stepSeconds: 3600, approvalSeconds: 3600 } })).toThrow(/executorCompute 'ec2'/);
    const p = project(ec2());
    expect(p.Environment).toMatchObject({ Type: 'LINUX_CONTAINER', ComputeType: 'BUILD_GENERAL1_SMALL' });
    expect(p.TimeoutInMinutes).toBe(35);
    expect(JSON.parse(p.Source.BuildSpec).phases.install['runtime-versions']).toEqual({ nodejs: 22 });
    expect(ec2().nagViolations).toEqual([]);
  });

  it('keeps state, plans and logs in a private, TLS-only, encrypted, versioned bucket', () => {
    synth.template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: Match.objectLike({ ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } })] }),
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'step-contexts', Prefix: 'runs/', ExpirationInDays: 1 })]) },
    });
    const policies = Object.values(synth.template.findResources('AWS::S3::BucketPolicy')) as Json[];
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
  });
});

describe('concurrency (issue 19 item 8)', () => {
  it('reserves none by default (a new account could not deploy it), and reserves the tasks\' when asked', () => {
    const reserved = (s: Synthesized) =>
      Object.values(s.template.findResources('AWS::Lambda::Function'))
        .filter((f) => (f as Json).Properties.ReservedConcurrentExecutions !== undefined)
        .map((f) => `${(f as Json).Properties.Description}: ${(f as Json).Properties.ReservedConcurrentExecutions}`)
        .sort();
    expect(reserved(synth)).toEqual([]);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new TerrakubeJobsStack(app, 'Reserved', { env: { account: '123456789012', region: 'eu-west-1' }, runnerTaskConcurrency: 5 });
    const tasks = Object.entries(stack.runner.functions).map(([name, f]) => `${name}: ${stack.resolve((f.fn.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions) ?? '-'}`);
    expect(tasks).toEqual(['advance: 5', 'awaitApproval: 5', 'recordFailure: 5', 'executionEnded: -', 'stepStarted: -', 'startClaimed: -']);
  });
});

describe('grants', () => {
  const states = (description: string) => actionsOf(synth.template, description).filter((a) => a.startsWith('states:') || a.startsWith('s3:'));

  it('lets only the routes that start runs start them, and only those that control runs stop and resume them', () => {
    for (const route of ROUTES.filter((r) => r.path.startsWith('/api/'))) {
      const actions = states(`${route.method} ${route.path}`).filter((a) => a.startsWith('states:'));
      const expected = route.access.includes('runs:control')
        ? ['states:SendTaskFailure', 'states:SendTaskSuccess', 'states:StartExecution', 'states:StopExecution']
        : route.access.includes('runs:start')
          ? ['states:StartExecution']
          : [];
      expect(actions, `${route.method} ${route.path}`).toEqual(expected);
    }
    expect(states('POST /api/v1/organization/{orgId}/job')).toEqual(['states:StartExecution']);
    expect(states('PATCH /api/v1/organization/{orgId}/workspace/{workspaceId}')).toEqual(['states:StartExecution']);
  });

  it('lets the log route read logs, and job deletes remove them, and nothing else touch the bucket', () => {
    expect(states('GET /tfoutput/v1/organization/{orgId}/job/{jobId}/step/{stepId}')).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(states('DELETE /api/v1/organization/{orgId}/job/{jobId}')).toEqual(['s3:DeleteObject', 's3:DeleteObject', 's3:DeleteObject', 's3:ListBucket']);
    expect(states('GET /api/v1/organization/{orgId}/job/{jobId}')).toEqual([]);
  });

  it('wires the event-driven edges: build started, execution ended, workspace handed over', () => {
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.states'], detail: Match.objectLike({ status: ['FAILED', 'TIMED_OUT', 'ABORTED'] }) }),
    });
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.codebuild'], detail: Match.objectLike({ 'build-status': ['IN_PROGRESS'] }) }),
    });
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ dynamodb: { NewImage: { sk: { S: ['WS'] }, activeJob: { N: [{ exists: true }] } } } }) }] },
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      BisectBatchOnFunctionError: true,
    });
  });
});

/**
 * Tenant isolation (issue 20), proven with the IAM simulator over the synthesized policies (the build
 * role's, the bucket policy, the key policies): the identity a step runs under, and so every script a
 * tenant runs in it, can reach no tenant data in the artifacts bucket: not another workspace's state,
 * not another job's step context (which holds sensitive variables), not even its own job's objects
 * except through the presigned URLs of its step. Advance, which mints those URLs, holds the rights.
 */
describe('tenant isolation of steps (issue 20)', () => {
  let sim: ReturnType<typeof simulator>;
  let build: Resource;
  let advance: Resource;
  let object: (key: string) => string;
  let bucketArn: string;
  beforeAll(() => {
    sim = simulator(synth);
    const [project] = sim.assembly.resources('AWS::CodeBuild::Project') as [Resource];
    build = sim.roleOf(project, project.properties.ServiceRole);
    const fn = sim.assembly.resources('AWS::Lambda::Function').find((f) => f.properties.Description === 'Job run task: records the last step result and picks the next action') as Resource;
    advance = sim.roleOf(fn, fn.properties.Role);
    const [bucket] = sim.assembly.resources('AWS::S3::Bucket').filter((b) => b.properties.VersioningConfiguration) as [Resource];
    bucketArn = sim.assembly.physicalOf(bucket, 'Arn');
    object = (key) => `${bucketArn}/${key}`;
  });
  const TENANT_OBJECTS = [
    'state/org-b/ws-b/terraform.tfstate', // another workspace's state
    'state/org-b/ws-b/versions/9-s.tfstate', // and its state history
    'runs/org-b/42/step-1.json', // another job's step context (sensitive variables)
    'plans/org-b/42/step-1.tfplan',
    'logs/org-b/42/step-1.log',
    'cache/org-b/ws-b/providers.tgz',
    'configurations/org-b/ws-b/cv-1.tar.gz',
  ];
  const ACTIONS = ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'];

  it('lets the build identity read, write or delete no object of the artifacts bucket, another tenant\'s or its own', async () => {
    const decisions = await Promise.all(TENANT_OBJECTS.flatMap((key) => ACTIONS.map(async (action) => `${action} ${key}: ${await sim.decide(build, action, object(key))}`)));
    expect(decisions.filter((d) => !d.endsWith('ExplicitlyDenied'))).toEqual([]);
    // Not even a listing of key names.
    expect(await sim.decide(build, 's3:ListBucket', bucketArn, { 's3:prefix': 'state/' })).toBe('ExplicitlyDenied');
  });

  it('keeps the build identity from signing workload identity tokens (only Advance may, per step)', async () => {
    const [key] = sim.assembly.resources('AWS::KMS::Key').filter((k) => k.properties.KeySpec === 'RSA_2048') as [Resource];
    const keyArn = sim.assembly.physicalOf(key, 'Arn');
    expect(await sim.decide(build, 'kms:Sign', keyArn)).not.toBe('Allowed');
    expect(await sim.decide(advance, 'kms:Sign', keyArn)).toBe('Allowed');
  });

  it('gives Advance, the minter, what the grants of a step need, and a 404 for a missing object (listing)', async () => {
    const may = (action: string, key: string) => sim.decide(advance, action, object(key));
    expect(await Promise.all([
      may('s3:PutObject', 'runs/o/1/s.json'), may('s3:GetObject', 'runs/o/1/s.json'), may('s3:DeleteObjectVersion', 'runs/o/1/s.json'),
      may('s3:GetObject', 'state/o/w/terraform.tfstate'), may('s3:PutObject', 'state/o/w/terraform.tfstate'), may('s3:PutObject', 'state/o/w/versions/1-s.tfstate'),
      may('s3:GetObject', 'plans/o/1/s.tfplan'), may('s3:PutObject', 'plans/o/1/s.tfplan'), may('s3:PutObject', 'logs/o/1/s.log'),
      may('s3:GetObject', 'cache/o/w/providers.tgz'), may('s3:PutObject', 'cache/o/w/providers.tgz'), may('s3:GetObject', 'configurations/o/w/c.tar.gz'),
    ])).toEqual(Array(12).fill('Allowed'));
    // Nothing it does not mint: no deletes of state, plans, logs, caches; no versions of anything but contexts.
    expect(await Promise.all([
      may('s3:DeleteObject', 'state/o/w/terraform.tfstate'), may('s3:DeleteObjectVersion', 'state/o/w/terraform.tfstate'),
      may('s3:DeleteObjectVersion', 'logs/o/1/s.log'), may('s3:DeleteObject', 'cache/o/w/providers.tgz'), may('s3:PutObject', 'configurations/o/w/c.tar.gz'),
    ])).toEqual(Array(5).fill('ImplicitlyDenied'));
    expect(await sim.decide(advance, 's3:ListBucket', bucketArn, { 's3:prefix': 'cache/o/w/providers.tgz' })).toBe('Allowed');
    const rules = (sim.assembly.resources('AWS::S3::Bucket').find((b) => b.properties.VersioningConfiguration) as Resource).properties.LifecycleConfiguration.Rules as Json[];
    // A log rewritten every few seconds leaves noncurrent versions the step cannot delete: they expire after a day.
    expect(rules.find((r) => r.Prefix === 'logs/')).toMatchObject({ NoncurrentVersionExpiration: { NoncurrentDays: 1 } });
  });
});
