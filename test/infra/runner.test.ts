/** The job runner in CDK: the state machine (the one the local engine runs), CodeBuild, bucket, grants. */
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import aslValidator from 'asl-validator';
import { RESULT_VARIABLES } from '../../shared/runs/executor-contract';
import { renderRunDefinition, RUN_STATES } from '../../infra/state-machine';
import { ROUTES } from '../../shared/routes';
import { actionsOf, synthesize, type Synthesized } from '../helpers/cdk';

let synth: Synthesized;
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
  });

  it('gives every task a timeout and a way to the failure handler, in JSONPath', () => {
    const { States, QueryLanguage } = deployedDefinition();
    expect(QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const [name, state] of Object.entries(States as Record<string, Json>)) {
      if (state.Type !== 'Task') continue;
      expect(state.TimeoutSeconds, name).toBeGreaterThan(0);
      if (name !== RUN_STATES.recordFailure) expect(state.Catch?.[0]?.Next, name).toBe(RUN_STATES.recordFailure);
    }
    expect(States.Execute.TimeoutSeconds).toBe(600 + 300);
    expect(States.AwaitApproval).toMatchObject({ Resource: expect.stringContaining('lambda:invoke.waitForTaskToken'), TimeoutSeconds: 3600 });
    expect(States.Execute.Resource).toContain('codebuild:startBuild.sync');
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
    expect(Object.keys(synth.template.findResources('AWS::KMS::Key'))).toHaveLength(1); // the webhook secrets key
    const spec = JSON.parse(p.Source.BuildSpec);
    expect(spec.env['exported-variables']).toEqual(Object.values(RESULT_VARIABLES));
    expect(spec.phases.install['runtime-versions']).toBeUndefined();
    expect(spec.phases.build.commands[0]).toMatch(/node executor\.mjs$/);
    expect(p.Environment.EnvironmentVariables.map((v: Json) => v.Name)).toEqual(expect.arrayContaining(['TK_ARTIFACT_BUCKET', 'TK_RESULT_ENV']));
  });

  it('refuses a step timeout Lambda compute cannot hold, and runs long steps on EC2 compute instead', () => {
    expect(() => synthesize({ timeouts: { stepSeconds: 3600, approvalSeconds: 3600 } })).toThrow(/executorCompute 'ec2'/);
    const ec2 = synthesize({ executorCompute: 'ec2', timeouts: { stepSeconds: 1800, approvalSeconds: 3600 } });
    const p = project(ec2);
    expect(p.Environment).toMatchObject({ Type: 'LINUX_CONTAINER', ComputeType: 'BUILD_GENERAL1_SMALL' });
    expect(p.TimeoutInMinutes).toBe(35);
    expect(JSON.parse(p.Source.BuildSpec).phases.install['runtime-versions']).toEqual({ nodejs: 22 });
    expect(ec2.nagViolations).toEqual([]);
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
