/** A function deployed without a variable its code reads does not compile, and does not synthesize either. */
import { App, Stack } from 'aws-cdk-lib';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { ServiceFunction } from '../../infra/constructs/service-function';
import { ApiEnv, AuthorizerEnv, FanOutEnv, LiveEnv, NoEnv, ProcessorEnv, RunnerEnv, SchedulerEnv, StreamEnv, type EnvSchema } from '../../shared/env';
import { ROUTES, WEBSOCKET_ROUTES } from '../../shared/routes';
import { sharedSynth } from '../helpers/shared-synth';

type Fn = { Properties: { Handler: string; Description: string; Environment?: { Variables: Record<string, unknown> } } };

describe('function environments', () => {
  it('refuses a function whose environment misses a variable of its role', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'T');
    const make = () =>
      new ServiceFunction(stack, 'Advance', {
        entry: 'functions/runner/advance.ts',
        description: 'test',
        env: RunnerEnv,
        // @ts-expect-error the runner's environment needs the state machine, the bucket and the timeouts
        environment: { TABLE_NAME: 'jobs' },
      });
    expect(make).toThrow(
      /Advance: its environment lacks what its code reads: STATE_MACHINE_ARN, ARTIFACT_BUCKET, TERRAKUBE_STEP_TIMEOUT_SECONDS, TERRAKUBE_APPROVAL_TIMEOUT_SECONDS/,
    );
  });

  it('gives every function of the stack what its role parses', async () => {
    const { template } = await sharedSynth('default');
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Fn[];
    const streams = ROUTES.filter((r) => r.transport === 'stream');
    const roleOf = (fn: Fn): EnvSchema => {
      const d = fn.Properties.Description;
      // Both functions of a stream route (API Gateway's and the function URL's) boot the stream role.
      if (streams.some((r) => d === `${r.method} ${r.path}` || d === `${r.method} ${r.path} (live, response streaming)`)) return StreamEnv;
      if (d.startsWith('Verifies bearer tokens')) return AuthorizerEnv;
      if (d.startsWith('Live job status: pushes')) return FanOutEnv;
      if (d.startsWith('Live job status:')) return LiveEnv;
      if (d.startsWith('Answers unknown paths')) return NoEnv;
      if (d.startsWith('Creates the job of an accepted VCS webhook')) return ProcessorEnv;
      if (d.startsWith('Creates the job of a workspace schedule')) return SchedulerEnv;
      if (d.startsWith('Job run task') || /execution|executor build|handed a workspace/.test(d)) return RunnerEnv;
      return ApiEnv;
    };
    let checked = 0;
    for (const fn of functions) {
      if (!fn.Properties.Description || fn.Properties.Description.startsWith('GET /healthz')) continue;
      const variables = Object.fromEntries(
        Object.entries(fn.Properties.Environment?.Variables ?? {}).map(([k, value]) => [k, typeof value === 'string' ? value : 'token']),
      );
      const result = v.safeParse(roleOf(fn), variables);
      expect(result.success, `${fn.Properties.Description}: ${result.issues?.map((i) => v.getDotPath(i)).join(', ')}`).toBe(true);
      checked++;
    }
    // Every route's function but /healthz's (and a stream route's live one), the authorizer, the fallback, the webhook processor, the schedule fire function, the six run functions and the live status feed's (WebSocket routes, fan-out).
    expect(checked).toBe(ROUTES.length - 1 + streams.length + 4 + 6 + WEBSOCKET_ROUTES.length + 1);
  });
});
