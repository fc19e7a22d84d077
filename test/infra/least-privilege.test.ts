/**
 * Every function's IAM policy allows exactly the actions it uses, on named resources (issue 7): the
 * route table's declared access for API functions, a fixed list for the others. No wildcard actions,
 * no Resource "*" but X-Ray's two trace actions and the two task-token answers, which accept no other
 * resource (issue 11); each function writes only its own log group's streams.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type Access } from '../../shared/routes';
import { sharedSynth, type SharedSynth } from '../helpers/shared-synth';

type Json = Record<string, any>;
let synth: SharedSynth;
let statementsOf: (description: string) => { actions: string[]; resources: unknown[] }[];
let descriptions: string[];

beforeAll(async () => {
  synth = await sharedSynth('default');
  const t = synth.template.toJSON() as Json;
  const resources = Object.values(t.Resources) as Json[];
  const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
  descriptions = functions.map((f) => f.Properties.Description);
  const policies = resources.filter((r) => r.Type === 'AWS::IAM::Policy');
  statementsOf = (description) => {
    const fn = functions.find((f) => f.Properties.Description === description);
    if (!fn) throw new Error(`no function '${description}'`);
    const role = fn.Properties.Role['Fn::GetAtt'][0];
    return policies
      .filter((p) => p.Properties.Roles.some((r: Json) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Json[])
      .map((s) => ({ actions: [].concat(s.Action), resources: [].concat(s.Resource) }));
  };
});

/** What every function's runtime does with its role: write its log streams and its traces. */
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents', ...XRAY];
/** Answering a task token takes no resource-level permission (the token is the capability). */
const TASK_RESPONSES = ['states:SendTaskFailure', 'states:SendTaskSuccess'];
const ACTIONS: Record<Access, string[]> = {
  'table:read': ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query'],
  'table:write': ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  'runs:start': ['states:StartExecution'],
  // s3:PutObject: the stop request a cancel leaves for a running step's executor.
  'runs:control': ['states:SendTaskFailure', 'states:SendTaskSuccess', 'states:StartExecution', 'states:StopExecution', 's3:PutObject'],
  'logs:read': ['s3:GetObject', 's3:ListBucket'],
  'logs:delete': ['s3:DeleteObject', 's3:ListBucket'],
  'webhooks:seal': ['kms:Encrypt'],
  'webhooks:receive': ['kms:Decrypt', 'lambda:InvokeFunction'],
  'state:unlock': ['s3:GetObject', 's3:DeleteObject', 's3:ListBucket'],
  'schedules:manage': ['iam:PassRole', 'scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule'],
  // A reader of a prefix may list it (a missing key is a 404, not AccessDenied): job-runner.ts grantObjects.
  'state:read': ['s3:GetObject', 's3:ListBucket'],
  'state:write': ['s3:PutObject'],
  'configurations:upload': ['s3:GetObject', 's3:PutObject', 's3:ListBucket'],
  'identity:publish': ['kms:GetPublicKey'],
};
const TABLE = [...ACTIONS['table:read'], ...ACTIONS['table:write']];
const OTHERS: Record<string, string[]> = {
  'Verifies bearer tokens (PAT HS256 and OIDC RS256) for the HTTP API': ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
  'Answers unknown paths (404) and unsupported methods (405)': [],
  // It mints each step's grants (presigned URLs: the signer's permission, one object each) and signs its identity token.
  'Job run task: records the last step result and picks the next action': [
    ...TABLE, 'states:StartExecution',
    's3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:ListBucket', 'kms:Sign',
  ],
  'Job run task: parks a job in waitingApproval with its task token': TABLE,
  'Job run task: ends a job failed and frees its workspace': [...TABLE, 'states:StartExecution'],
  'Fails the job of an execution that ended abnormally': [...TABLE, 'states:StartExecution'],
  'Marks a step running when its executor build starts': TABLE,
  'Makes sure a job handed a workspace has its execution': [
    'states:StartExecution',
    'dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams',
    'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage',
  ],
  'Creates the job of a workspace schedule at its fire time (exactly once per fire time) and starts its run': [
    ...TABLE, 'states:StartExecution',
    // A sub-minute schedule's one-time at() is moved to its next fire time, with the invoke role it has.
    'scheduler:GetSchedule', 'scheduler:UpdateSchedule', 'iam:PassRole',
  ],
  // The live status feed: its WebSocket routes and the stream fan-out (infra/constructs/live-status.ts).
  'Live job status: LiveConnect': ACTIONS['table:write'],
  'Live job status: LiveMessage': [...TABLE, 'execute-api:ManageConnections', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
  'Live job status: LiveDisconnect': TABLE,
  'Live job status: pushes job status changes from the table stream to the subscribers': [
    ...TABLE, 'execute-api:ManageConnections',
    'dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams',
    'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage',
  ],
  'Creates the job of an accepted VCS webhook delivery and starts its run': [
    ...TABLE, 'states:StartExecution',
    // Its on-failure destination: Lambda sends events that ran out of retries with the function's role.
    'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage',
  ],
};

const unique = (a: string[]) => [...new Set(a)].sort();

/** A stream route's live function (its function URL): the route's access, and the PAT secret it verifies tokens with. */
const LIVE = ROUTES.filter((r) => r.transport === 'stream').map((r) => [`${r.method} ${r.path} (live, response streaming)`, r.access] as const);

describe('least privilege', () => {
  it('knows every function of the stack', () => {
    const known = [...ROUTES.map((r) => `${r.method} ${r.path}`), ...LIVE.map(([d]) => d), ...Object.keys(OTHERS)];
    expect(descriptions.filter((d) => !known.includes(d))).toEqual([]);
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r.access] as const))('%s gets exactly its declared access', (description, access) => {
    const actions = statementsOf(description).flatMap((s) => s.actions);
    expect(unique(actions)).toEqual(unique([...LOGS, ...access.flatMap((a) => ACTIONS[a])]));
  });

  it.each(LIVE)('%s gets its route\'s access and reads the PAT secret', (description, access) => {
    const actions = statementsOf(description).flatMap((s) => s.actions);
    expect(unique(actions)).toEqual(unique([...LOGS, ...access.flatMap((a) => ACTIONS[a]), 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']));
  });

  it.each(Object.entries(OTHERS))('%s gets exactly what it uses', (description, expected) => {
    expect(unique(statementsOf(description).flatMap((s) => s.actions))).toEqual(unique([...LOGS, ...expected]));
  });

  it('grants no wildcard action and no Resource "*" to any function, but the X-Ray trace actions', () => {
    for (const description of descriptions) {
      const statements = statementsOf(description);
      const everywhere = statements.filter((s) => s.resources.includes('*')).map((s) => ({ ...s, actions: unique(s.actions) }));
      const controlsRuns = ROUTES.some((r) => `${r.method} ${r.path}` === description && r.access.includes('runs:control'));
      expect(everywhere, description).toEqual([{ actions: XRAY, resources: ['*'] }, ...(controlsRuns ? [{ actions: TASK_RESPONSES, resources: ['*'] }] : [])]);
      for (const { actions } of statements) for (const action of actions) expect(action, description).not.toMatch(/\*/);
    }
  });

  it('lets each function write the log streams of its own log group (arn:…:log-group:NAME:log-stream:*)', () => {
    for (const description of descriptions) {
      const logs = statementsOf(description).filter((s) => s.actions.includes('logs:PutLogEvents'));
      expect(logs, description).toHaveLength(1);
      const resource = JSON.stringify(logs[0]?.resources);
      expect(resource, description).toMatch(/:log-group:",\{"Ref":"[A-Za-z0-9]*Logs[A-Za-z0-9]+"\},":log-stream:\*"/);
    }
  });

  it('scopes table writes to the table, and index reads to named indexes', () => {
    for (const description of descriptions) {
      for (const { actions, resources } of statementsOf(description)) {
        if (!actions.some((a) => a.startsWith('dynamodb:') && !a.includes('Stream'))) continue;
        for (const resource of resources) expect(JSON.stringify(resource)).toMatch(/DataTable.*(Arn|\/index\/gsi[123])/);
      }
    }
  });
});
