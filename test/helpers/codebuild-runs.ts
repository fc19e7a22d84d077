/**
 * Job runs the AWS way, in process: the synthesized state machine definition run by
 * aws-local-stepfunctions, Advance and RecordFailure as the AWS handlers call them (Advance chaining a
 * plan's apply to its build as codeBuildChain would), and Execute as CodeBuild's startBuild.sync: a
 * build per Execute in a fresh directory, the buildspec's build phase run by bash with the environment
 * the state passes (no IPC channel: the executor's build mode), its exported variables read back. The
 * build's IN_PROGRESS event marks the step running, as the EventBridge rule does. A cancel reaches the
 * build the AWS way too: a stop request in the artifact store, which the executor watches.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { awaitBuild, buildFailed, exportedVariables } from './build-process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { executorBuildSpec } from '../../infra/constructs/executor-buildspec';
import { chainWithinSeconds, RUN_STATES, type RunTimeouts } from '../../infra/run-states';
import { bundleExecutor } from '../../local/executor-process';
import { startObjectServer, type ObjectServer } from '../../local/executor-objects';
import { executorBaseEnvironment } from '../../local/config';
import { runDefinition } from '../../local/run-definition';
import type { RunControl, RunRef } from '../../shared/ports/run-control';
import { advance } from '../../shared/run-tasks/advance';
import { recordFailure } from '../../shared/run-tasks/failure';
import { stepStarted } from '../../shared/run-tasks/step-started';
import { environment } from '../../shared/env';
import { executionName, type RunState } from '../../shared/runs/run-state';
import { artifactStore, useExecutorObjectsUrl } from '../../shared/wiring';

type Variable = { Name: string; Value: string };

export interface BuildRecord {
  step: string;
  exitCode: number | null;
}

interface Execution {
  done: Promise<void>;
  abort: () => void;
  events: { type: string }[];
  builds: Set<ChildProcess>;
}

export class CodeBuildRuns implements RunControl {
  /** Every build run, by the step it was handed. */
  readonly builds: BuildRecord[] = [];
  private readonly executions = new Map<string, Execution>();
  /** Chain a plan's apply to its build (the stack's Advance does when the apply fits: EC2 compute, or shorter steps). */
  chain = true;

  private constructor(
    private readonly machine: StateMachine,
    private readonly bundle: string,
    private readonly timeouts: RunTimeouts,
    private readonly objects: ObjectServer,
  ) {}

  static async create(filesDir: string, timeouts: RunTimeouts): Promise<CodeBuildRuns> {
    const definition = await runDefinition(timeouts);
    const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
    const objects = await startObjectServer(filesDir, environment().require('TERRAKUBE_PAT_SECRET'));
    useExecutorObjectsUrl(objects.url);
    return new CodeBuildRuns(machine, await bundleExecutor(filesDir), timeouts, objects);
  }

  async start(run: RunRef): Promise<void> {
    const name = executionName(run);
    if (this.executions.has(name)) return;
    const execution: Execution = { done: Promise.resolve(), abort: () => undefined, events: [], builds: new Set() };
    // What the stack gives Advance (TERRAKUBE_CHAIN_WITHIN_SECONDS): EC2 compute with these timeouts.
    const withinMs = chainWithinSeconds(this.timeouts, 'ec2') * 1000;
    const handle = this.machine.run(
      { organizationId: run.organizationId, jobId: run.jobId, ...(run.workspaceId ? { workspaceId: run.workspaceId, templateReference: run.templateReference ?? null } : {}) },
      {
        noThrowOnAbort: true,
        overrides: {
          taskResourceLocalHandlers: {
            [RUN_STATES.advance]: (input: unknown) => advance(input as RunState, this.chain ? { chain: { withinMs } } : {}),
            [RUN_STATES.recordFailure]: (input: unknown) => recordFailure(input as RunState),
            [RUN_STATES.execute]: (input: unknown) => this.build(execution, run, (input as { EnvironmentVariablesOverride: Variable[] }).EnvironmentVariablesOverride),
          } as never,
        },
      },
    );
    execution.abort = handle.abort;
    const collecting = (async () => {
      for await (const event of handle.eventLogs) execution.events.push(event as { type: string });
    })();
    execution.done = handle.result.then(
      () => collecting,
      () => collecting,
    );
    this.executions.set(name, execution);
  }

  /** As the stack's run control: a step is interrupted through its stop request, anything else stops the execution (and its build). */
  async stop(run: RunRef, how: { interruptStep?: boolean } = {}): Promise<void> {
    if (how.interruptStep) return artifactStore().requestStop(run.organizationId, run.jobId);
    const execution = this.executions.get(executionName(run));
    for (const build of execution?.builds ?? []) if (build.pid) process.kill(-build.pid, 'SIGTERM');
    execution?.abort();
  }

  async resume(): Promise<'ok' | 'expired'> {
    return 'expired';
  }

  /** State transitions of a job's execution (StateEntered events), once it has ended. */
  async transitions(run: RunRef): Promise<number> {
    const execution = this.executions.get(executionName(run));
    await execution?.done;
    return execution?.events.filter((e) => e.type === 'StateEntered').length ?? 0;
  }

  async idle(): Promise<void> {
    await Promise.all([...this.executions.values()].map((e) => e.done));
  }

  async shutdown(): Promise<void> {
    for (const execution of this.executions.values()) {
      for (const build of execution.builds) if (build.pid) process.kill(-build.pid, 'SIGKILL');
      execution.abort();
    }
    await this.idle();
    await this.objects.close();
  }

  /** startBuild.sync: the buildspec's build phase in a directory of its own, the exported variables returned. */
  private async build(execution: Execution, run: RunRef, overrides: Variable[]): Promise<unknown> {
    const dir = mkdtempSync(join(tmpdir(), 'codebuild-'));
    copyFileSync(this.bundle, join(dir, 'executor.mjs'));
    const spec = executorBuildSpec('ec2') as { env: { 'exported-variables': string[] }; phases: { build: { commands: string[] } } };
    const exported = spec.env['exported-variables'];
    const script = ['set -e', ...spec.phases.build.commands, `for v in ${exported.join(' ')}; do printf '%s=%s\\0' "$v" "\${!v}"; done > .exported`].join('\n');
    const variables = Object.fromEntries(overrides.map((v) => [v.Name, v.Value]));
    // The build's IN_PROGRESS event, through EventBridge: not waited for.
    void stepStarted(run.organizationId, run.jobId, variables.TK_STEP ?? '').catch(() => undefined);
    const child = spawn('bash', ['-c', script], {
      cwd: dir,
      // The project's own variables, then the overrides (the stop request is looked for often, to keep the test short).
      env: { ...executorBaseEnvironment(), TK_RESULT_ENV: 'result.env', TK_KILL_GRACE_MS: '2000', TK_STOP_POLL_MS: '200', ...variables },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    const { code, stderr } = await awaitBuild(child, execution.builds);
    this.builds.push({ step: variables.TK_STEP ?? '', exitCode: code });
    try {
      if (code !== 0) throw buildFailed('build', code, stderr);
      return { Build: { BuildStatus: 'SUCCEEDED', ExportedEnvironmentVariables: exportedVariables(dir) } };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
