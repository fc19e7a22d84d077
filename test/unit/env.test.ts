/** Each role's environment is parsed once, at start-up, and a missing variable names itself. */
import { afterEach, describe, expect, it } from 'vitest';
import { readEnvironment, resetEnvironment } from '../../shared/env';
import { resetWiring, runControl, useRunControl } from '../../shared/wiring';
import { noRuns } from '../helpers/runs';

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  resetWiring();
  useRunControl(noRuns);
});

const awsEnvironment = (vars: Record<string, string>) => {
  process.env.TERRAKUBE_MODE = 'aws';
  Object.assign(process.env, vars);
  resetEnvironment();
};

describe('function environments at run time', () => {
  it('names every variable a role lacks', () => {
    awsEnvironment({ TABLE_NAME: 'jobs' });
    delete process.env.STATE_MACHINE_ARN;
    expect(() => readEnvironment('runner')).toThrow(
      /the runner function's environment is invalid: STATE_MACHINE_ARN \(.*\), ARTIFACT_BUCKET \(.*\), TERRAKUBE_STEP_TIMEOUT_SECONDS \(.*\), TERRAKUBE_APPROVAL_TIMEOUT_SECONDS \(.*\)/,
    );
    expect(() => readEnvironment('processor')).toThrow(/STATE_MACHINE_ARN/);
    expect(() => readEnvironment(undefined)).toThrow('no function role: the entry point must boot the wiring with its role first');
  });

  it('reads only what its role declares, with the declared defaults', () => {
    awsEnvironment({ TABLE_NAME: 'jobs', STATE_MACHINE_ARN: 'arn:sm', TERRAKUBE_PAT_SECRET: 'never-in-aws' });
    const processor = readEnvironment('processor');
    expect([processor.mode, processor.require('TABLE_NAME'), processor.get('STATE_MACHINE_ARN')]).toEqual(['aws', 'jobs', 'arn:sm']);
    expect(processor.get('TERRAKUBE_PAT_SECRET')).toBeUndefined();
    expect(() => processor.require('ARTIFACT_BUCKET')).toThrow('ARTIFACT_BUCKET is not part of the processor function');
  });

  it('runs every role with the local schema under npm start and the tests', () => {
    const local = readEnvironment('runner');
    expect(local.role).toBe('local');
    expect(local.get('TERRAKUBE_STEP_TIMEOUT_SECONDS')).toBe('3600');
  });

  it('has no run control locally unless one is registered: never a silent no-op', () => {
    useRunControl(undefined);
    expect(() => runControl()).toThrow(/no run control/);
    useRunControl(noRuns);
    expect(runControl()).toBe(noRuns);
  });
});
