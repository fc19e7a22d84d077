/**
 * Step Functions, locally, for the template's state machines: the definition is the template's own
 * DefinitionString (intrinsics and DefinitionSubstitutions resolved), run by aws-local-stepfunctions.
 * Task states whose Resource is a function ARN are invoked by the library through the Lambda API (the
 * local endpoint, signed as the state machine's role), so an ARN that names no function fails the run.
 * The service integrations the library lacks are emulated as Step Functions performs them:
 * `lambda:invoke.waitForTaskToken` (invoke, then wait for SendTaskSuccess/Failure) and
 * `codebuild:startBuild.sync` (the template's CodeBuild project: its source asset, environment and
 * buildspec's build phase run in bash, its exported variables returned; a stopped execution stops it).
 * Execution and build state changes go to the template's EventBridge rules.
 */
import '../../../local/polyfills';
import { spawn, type ChildProcess } from 'node:child_process';
import { awaitBuild, buildFailed, exportedVariables } from '../build-process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import type { CloudAssembly, Resource } from './cloud-assembly';
import { envelope, eventRules, matches, type Rule } from './events';
import { serviceError, type Identity, type LocalAws } from './local-aws';

type Json = Record<string, any>;
const TOKEN_PLACEHOLDER = 'local-task-token-placeholder';

interface Execution {
  arn: string;
  machine: MachineInfo;
  input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  abort: () => void;
  done: Promise<void>;
  builds: Set<ChildProcess>;
  error?: string;
}

interface MachineInfo {
  resource: Resource;
  definition: Json;
  arn: string;
  identity: Identity;
  machine: StateMachine;
}

export interface StepFunctionsOptions {
  aws: LocalAws;
  roleIdentity: (role: Resource) => Identity;
  /** Invokes a function as a service principal would (Step Functions, EventBridge). */
  invoke: (functionNameOrArn: string, payload: unknown, type: 'RequestResponse' | 'Event', caller: Identity) => Promise<{ result?: unknown; error?: { errorType: string; errorMessage: string } }>;
  /** Environment of a build besides the project's own (local endpoints, PATH, HOME). */
  buildEnvironment: Record<string, string>;
}

export class StepFunctions {
  readonly executions = new Map<string, Execution>();
  /** Builds run, with their outcome (for the test's record of what ran). */
  readonly builds: { project: string; step: string; exitCode: number | null }[] = [];
  private readonly machines: MachineInfo[];
  private readonly waiters = new Map<string, { execution: string; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly rules: Rule[];

  constructor(private readonly assembly: CloudAssembly, private readonly options: StepFunctionsOptions) {
    this.rules = eventRules(assembly);
    this.machines = assembly.resources('AWS::StepFunctions::StateMachine').map((resource) => {
      const p = resource.properties;
      let definition = String(assembly.resolve(p.DefinitionString, resource.stack));
      const substitutions = (assembly.resolve(p.DefinitionSubstitutions ?? {}, resource.stack) ?? {}) as Record<string, string>;
      for (const [name, value] of Object.entries(substitutions)) definition = definition.split(`\${${name}}`).join(value);
      const role = assembly.findByPhysical('AWS::IAM::Role', assembly.resolve(p.RoleArn, resource.stack) as string);
      if (!role) throw new Error(`${resource.logicalId}: its role is not in the template`);
      const machine = new StateMachine(JSON.parse(definition), { validationOptions: { checkArn: true, checkPaths: true } });
      return { resource, definition: JSON.parse(definition) as Json, arn: assembly.physicalOf(resource, 'Arn'), identity: { ...options.roleIdentity(role), label: `state machine ${assembly.name(resource)}` }, machine };
    });
  }

  /** The Step Functions API (AWS JSON 1.0) the bundles call. */
  handler() {
    return async (operation: string, body: Json, caller: Identity): Promise<unknown> => {
      const { aws } = this.options;
      switch (operation) {
        case 'StartExecution': {
          aws.record(caller, 'states', operation, 'states:StartExecution', body.stateMachineArn);
          return this.start(body.stateMachineArn, body.name ?? crypto.randomUUID(), body.input ?? '{}');
        }
        case 'StopExecution': {
          aws.record(caller, 'states', operation, 'states:StopExecution', body.executionArn);
          const execution = this.executions.get(body.executionArn);
          if (!execution) throw serviceError(400, 'ExecutionDoesNotExist', `execution ${body.executionArn} does not exist`);
          this.stop(execution, body.error, body.cause);
          return { stopDate: Date.now() / 1000 };
        }
        case 'SendTaskSuccess':
        case 'SendTaskFailure': {
          // No resource-level permission for these (Service Authorization Reference): IAM evaluates "*".
          aws.record(caller, 'states', operation, `states:${operation}`, '*');
          const waiter = this.waiters.get(body.taskToken);
          if (!waiter) throw serviceError(400, 'TaskDoesNotExist', 'the task token is not waiting (ended or unknown)');
          this.waiters.delete(body.taskToken);
          if (operation === 'SendTaskSuccess') waiter.resolve(JSON.parse(body.output));
          else waiter.reject(Object.assign(new Error(body.cause ?? ''), { name: body.error ?? 'TaskFailed' }));
          return {};
        }
        default:
          throw serviceError(400, 'UnknownOperationException', `Step Functions ${operation} is not served locally`);
      }
    };
  }

  private start(machineArn: string, name: string, input: string): { executionArn: string; startDate: number } {
    const machine = this.machines.find((m) => m.arn === machineArn);
    if (!machine) throw serviceError(400, 'StateMachineDoesNotExist', `state machine ${machineArn} does not exist`);
    const arn = `${machineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.executions.get(arn);
    if (existing) {
      if (existing.input === input && existing.status === 'RUNNING') return { executionArn: arn, startDate: Date.now() / 1000 };
      throw serviceError(400, 'ExecutionAlreadyExists', `execution ${arn} already exists`);
    }
    const execution: Execution = { arn, machine, input, status: 'RUNNING', abort: () => undefined, done: Promise.resolve(), builds: new Set() };
    const handle = machine.machine.run(JSON.parse(input), {
      noThrowOnAbort: true,
      context: { Execution: { Id: arn, Name: name, Input: JSON.parse(input) }, StateMachine: { Id: machineArn }, Task: { Token: TOKEN_PLACEHOLDER } } as never,
      overrides: { taskResourceLocalHandlers: this.integrations(execution) as never },
    });
    execution.abort = handle.abort;
    execution.done = handle.result.then(
      () => {
        if (execution.status === 'RUNNING') execution.status = 'SUCCEEDED';
      },
      (error: Error) => {
        if (execution.status !== 'RUNNING') return;
        execution.status = error.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
        execution.error = `${error.name}: ${error.message}`;
      },
    ).then(() => this.statusChanged(execution));
    this.executions.set(arn, execution);
    return { executionArn: arn, startDate: Date.now() / 1000 };
  }

  private stop(execution: Execution, error?: string, cause?: string): void {
    if (execution.status !== 'RUNNING') return;
    execution.status = 'ABORTED';
    execution.error = [error, cause].filter(Boolean).join(': ');
    // Step Functions stops the build of a .sync task when its execution stops.
    for (const build of execution.builds) if (build.pid) process.kill(-build.pid, 'SIGTERM');
    for (const [token, waiter] of this.waiters) {
      if (waiter.execution !== execution.arn) continue;
      this.waiters.delete(token);
      waiter.reject(Object.assign(new Error('execution stopped'), { name: 'States.Aborted' }));
    }
    execution.abort();
  }

  private statusChanged(execution: Execution): void {
    if (execution.status === 'RUNNING') return;
    this.publish(envelope('aws.states', 'Step Functions Execution Status Change', [execution.arn], {
      executionArn: execution.arn,
      stateMachineArn: execution.machine.arn,
      name: execution.arn.split(':').at(-1),
      status: execution.status,
      input: execution.input,
    }, this.assembly));
  }

  /** Delivers an event to the targets of every matching rule (asynchronous invocations, as EventBridge makes). */
  private publish(event: Json): void {
    for (const rule of this.rules.filter((r) => matches(r.pattern, event))) {
      for (const target of rule.targets) {
        void this.options.invoke(target, event, 'Event', { label: `EventBridge rule ${rule.arn}`, roleKey: `events.amazonaws.com|${rule.arn}` });
      }
    }
  }

  private integrations(execution: Execution): Record<string, (input: Json) => Promise<unknown>> {
    const states = execution.machine.definition.States as Record<string, Json>;
    const handlers: Record<string, (input: Json) => Promise<unknown>> = {};
    for (const [name, state] of Object.entries(states)) {
      if (state.Type !== 'Task' || String(state.Resource).startsWith('arn:aws:lambda:')) continue;
      if (state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') handlers[name] = (input) => this.waitForTaskToken(execution, input);
      else if (state.Resource === 'arn:aws:states:::codebuild:startBuild.sync') handlers[name] = (input) => this.startBuildSync(execution, input);
      else throw new Error(`state ${name}: ${state.Resource} is not emulated locally`);
    }
    return handlers;
  }

  private async waitForTaskToken(execution: Execution, input: Json): Promise<unknown> {
    const token = `${crypto.randomUUID()}${crypto.randomUUID()}`;
    const payload = JSON.parse(JSON.stringify(input.Payload ?? {}).split(TOKEN_PLACEHOLDER).join(token));
    const answer = new Promise((resolve, reject) => this.waiters.set(token, { execution: execution.arn, resolve, reject }));
    const invoked = await this.options.invoke(String(input.FunctionName), payload, 'RequestResponse', execution.machine.identity);
    if (invoked.error) {
      this.waiters.delete(token);
      throw Object.assign(new Error(invoked.error.errorMessage), { name: invoked.error.errorType });
    }
    return answer;
  }

  private async startBuildSync(execution: Execution, input: Json): Promise<unknown> {
    const project = this.assembly.findByPhysical('AWS::CodeBuild::Project', String(input.ProjectName), 'Ref');
    if (!project) throw Object.assign(new Error(`CodeBuild project ${input.ProjectName} does not exist`), { name: 'CodeBuild.ResourceNotFoundException' });
    const projectArn = this.assembly.physicalOf(project, 'Arn');
    this.options.aws.record(execution.machine.identity, 'codebuild', 'StartBuild', 'codebuild:StartBuild', projectArn);
    const p = this.assembly.resolve(project.properties, project.stack) as Json;
    const role = this.assembly.findByPhysical('AWS::IAM::Role', p.ServiceRole);
    if (!role) throw new Error(`${project.logicalId}: its service role is not in the template`);
    const identity = { ...this.options.roleIdentity(role), label: `executor build (${project.logicalId})` };
    const buildSpec = JSON.parse(p.Source.BuildSpec) as Json;
    const sourceKey = String(p.Source.Location).split('/').slice(1).join('/');
    const sourceDir = mkdtempSync(join(tmpdir(), 'codebuild-src-'));
    cpSync(this.assembly.assetPath(sourceKey), sourceDir, { recursive: true });
    const variables = [...(p.Environment.EnvironmentVariables ?? []), ...(input.EnvironmentVariablesOverride ?? [])] as { Name: string; Value: string }[];
    const buildId = `${p.Name ?? this.assembly.name(project)}:${crypto.randomUUID()}`;
    this.publish(envelope('aws.codebuild', 'CodeBuild Build State Change', [projectArn], {
      'build-status': 'IN_PROGRESS',
      'project-name': input.ProjectName,
      'build-id': buildId,
      'additional-information': { environment: { 'environment-variables': variables.map((v) => ({ name: v.Name, value: v.Value, type: 'PLAINTEXT' })) } },
    }, this.assembly));
    // The install phase downloads terraform, which cannot be done offline: terraform is on PATH here.
    const exported = (buildSpec.env?.['exported-variables'] ?? []) as string[];
    const script = ['set -e', ...(buildSpec.phases?.build?.commands ?? []), `for v in ${exported.join(' ')}; do printf '%s=%s\\0' "$v" "\${!v}"; done > "$CODEBUILD_SRC_DIR/.exported"`].join('\n');
    const credentials = this.options.aws.credentials(identity);
    const child = spawn(buildSpec.env?.shell ?? 'bash', ['-c', script], {
      cwd: sourceDir,
      env: {
        ...this.options.buildEnvironment,
        ...Object.fromEntries(variables.map((v) => [v.Name, v.Value])),
        CODEBUILD_BUILD_ID: buildId,
        CODEBUILD_SRC_DIR: sourceDir,
        AWS_REGION: this.assembly.deployment.region,
        AWS_DEFAULT_REGION: this.assembly.deployment.region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_SESSION_TOKEN: credentials.sessionToken,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group: stopping the build stops the executor and what it runs, as CodeBuild does.
      detached: true,
    });
    const { code, stderr } = await awaitBuild(child, execution.builds);
    const step = variables.find((v) => v.Name === 'TK_STEP')?.Value ?? '';
    this.builds.push({ project: project.logicalId, step, exitCode: code });
    try {
      if (code !== 0) throw buildFailed(`build ${buildId}`, code, stderr);
      return { Build: { Id: buildId, BuildStatus: 'SUCCEEDED', ExportedEnvironmentVariables: exportedVariables(sourceDir) } };
    } finally {
      rmSync(sourceDir, { recursive: true, force: true });
    }
  }

  /** Waits until no execution runs (or `ms` passed). */
  async idle(ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
      if (running.length === 0) return;
      await Promise.race([Promise.all(running.map((e) => e.done)), new Promise((r) => setTimeout(r, 200))]);
    }
  }

  async shutdown(): Promise<void> {
    for (const execution of this.executions.values()) this.stop(execution, 'Shutdown');
    await Promise.all([...this.executions.values()].map((e) => e.done.catch(() => undefined)));
  }
}
