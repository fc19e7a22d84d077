/**
 * Where everything logs, and whether it may (issue 19 items 1 and 9), on a throwaway stack (the one with
 * the most log writers: CDK's auto-delete function too). Every function, the executor build and the
 * state machine log into a log group of the template with a retention (nothing lets Lambda or CodeBuild
 * create one that never expires), and the IAM simulator evaluates each writer's permission on a real
 * stream name of its group: a Lambda stream (2026/12/01/[$LATEST]abc), a CodeBuild stream (the build's
 * id) and Step Functions' log delivery (a resource policy on a group under /aws/vendedlogs/).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '../helpers/assembly/cloud-assembly';
import { sharedSynth } from '../helpers/shared-synth';
import { simulator, type Simulator } from '../helpers/iam-simulation';

type Json = Record<string, any>;
let sim: Simulator;
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
beforeAll(async () => {
  sim = simulator(await sharedSynth('throwaway'));
});

const groups = () => new Map(sim.assembly.resources('AWS::Logs::LogGroup').map((g) => [sim.assembly.physicalOf(g), g] as const));
const stream = (group: string, name: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}:log-stream:${name}`;
/** The template's log group a property names (by Ref), with its retention; a group nobody declared fails. */
function declaredGroup(owner: Resource, property: unknown): { name: string; retention: number } {
  const name = String(sim.resolve(owner, property));
  const group = groups().get(name);
  if (!group) throw new Error(`${owner.logicalId} logs into ${name}, which the template does not declare (it would never expire)`);
  return { name, retention: Number(group.properties.RetentionInDays) };
}
async function mayWrite(who: Resource | string, arn: string, context: Record<string, string> = {}) {
  return [await sim.decide(who, 'logs:CreateLogStream', arn, context), await sim.decide(who, 'logs:PutLogEvents', arn, context)];
}

describe('log groups', () => {
  it('gives every log group of the stack a retention', () => {
    for (const group of sim.assembly.resources('AWS::Logs::LogGroup')) expect(group.properties.RetentionInDays, group.logicalId).toBeGreaterThan(0);
  });

  it('lets every function write its streams (arn:…:log-group:NAME:log-stream:2026/12/01/[$LATEST]abc) in a log group of its own', async () => {
    const functions = sim.assembly.resources('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(50);
    const seen = new Set<string>();
    for (const fn of functions) {
      const group = declaredGroup(fn, fn.properties.LoggingConfig?.LogGroup);
      expect(seen.has(group.name), `${fn.logicalId} shares ${group.name}`).toBe(false);
      seen.add(group.name);
      const role = sim.roleOf(fn, fn.properties.Role);
      // CDK's own helpers carry AWS managed policies (logs:* on *), whose text is not in the template.
      if ((role.properties.ManagedPolicyArns ?? []).length) continue;
      expect(await mayWrite(role, stream(group.name, '2026/12/01/[$LATEST]abc')), fn.logicalId).toEqual(['Allowed', 'Allowed']);
      expect(await mayWrite(role, stream(`${group.name}-other`, '2026/12/01/[$LATEST]abc')), fn.logicalId).toEqual(['ImplicitlyDenied', 'ImplicitlyDenied']);
    }
  });

  it('lets the executor build write its streams in its own log group, not CodeBuild\'s default one that never expires', async () => {
    const [project] = sim.assembly.resources('AWS::CodeBuild::Project') as [Resource];
    const group = declaredGroup(project, project.properties.LogsConfig?.CloudWatchLogs?.GroupName);
    expect(project.properties.LogsConfig.CloudWatchLogs.Status).toBe('ENABLED');
    expect(group.retention).toBeGreaterThan(0);
    const role = sim.roleOf(project, project.properties.ServiceRole);
    expect(await mayWrite(role, stream(group.name, '0a1b2c3d-4e5f-6789-abcd-ef0123456789'))).toEqual(['Allowed', 'Allowed']);
  });

  it('logs the state machine under /aws/vendedlogs/, where its log delivery may write (and only this account\'s)', async () => {
    const [machine] = sim.assembly.resources('AWS::StepFunctions::StateMachine') as [Resource];
    const destination = (machine.properties.LoggingConfiguration.Destinations as Json[])[0]?.CloudWatchLogsLogGroup.LogGroupArn;
    const name = String(sim.resolve(machine, destination)).replace(/^arn:aws:logs:[^:]+:\d+:log-group:/, '').replace(/:\*$/, '');
    expect(name).toMatch(/^\/aws\/vendedlogs\/states\//);
    expect(declaredGroup(machine, name).retention).toBeGreaterThan(0);
    const delivery = (source: string) => `delivery.logs.amazonaws.com|arn:aws:logs:${REGION}:${source}:delivery-source:x`;
    const arn = stream(name, 'states/Test-JobRun/2026-12-01-10-00/abc');
    expect(await mayWrite(delivery(ACCOUNT), arn)).toEqual(['Allowed', 'Allowed']);
    expect(await mayWrite(delivery(ACCOUNT), stream('/aws/vendedlogs/other', 'x'))).not.toEqual(['Allowed', 'Allowed']);
  });
});
