/** The run's rules (run-tasks/decide.ts): what a job's steps become and what happens next, for every kind of step result. */
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../shared/domain/flow';
import type { JobRecord, StepRecord } from '../../shared/domain/records';
import { decide, initialSteps, planStepFor, runsTerraform } from '../../shared/run-tasks/decide';
import type { ExecutorResult } from '../../shared/runs/executor-contract';

const NOW = '2026-12-01T10:00:00.000Z';
const flow = (step: number, type: Flow['type'], extra: Partial<Flow> = {}): Flow => ({
  type,
  name: `${type} ${step}`,
  step,
  ignoreError: false,
  commands: [],
  ...extra,
});
const PLAN_APPROVE_APPLY = [flow(100, 'terraformPlan'), flow(150, 'approval', { team: 'OPS' }), flow(200, 'terraformApply')];

let ids = 0;
const newId = () => `s${++ids}`;

function job(flows: Flow[], fields: Partial<JobRecord> = {}): JobRecord {
  return {
    id: 7,
    organizationId: 'org',
    workspaceId: 'ws',
    status: 'pending',
    templateReference: null,
    tcl: null,
    command: null,
    overrideBranch: null,
    commitId: null,
    via: 'API',
    refresh: true,
    refreshOnly: false,
    autoApply: false,
    planChanges: true,
    comments: null,
    approvalTeam: null,
    output: null,
    terraformPlan: null,
    steps: initialSteps(flows, newId),
    createdBy: 'me',
    createdDate: NOW,
    updatedBy: 'me',
    updatedDate: NOW,
    ...fields,
  };
}

const result = (fields: Partial<ExecutorResult> = {}): ExecutorResult => ({ status: 'completed', exitCode: 0, message: 'ok', ...fields });
const withSteps = (j: JobRecord, steps: StepRecord[]): JobRecord => ({ ...j, steps });
const statuses = (steps: StepRecord[]) => steps.map((s) => s.status);

describe('run decision', () => {
  it('turns a flow into pending steps in step order and dispatches the first', () => {
    const j = job(PLAN_APPROVE_APPLY);
    expect(j.steps.map((s) => [s.stepNumber, s.type, s.status, s.output])).toEqual([
      [100, 'terraformPlan', 'pending', null],
      [150, 'approval', 'pending', null],
      [200, 'terraformApply', 'pending', null],
    ]);
    const d = decide(j, PLAN_APPROVE_APPLY, undefined, NOW);
    expect(d.next).toMatchObject({ kind: 'execute', step: { stepNumber: 100 }, flow: { type: 'terraformPlan' } });
    expect(d.fields).toEqual({});
  });

  it('records a plan with changes (plan file, commit, output line), then asks for the approval', () => {
    const j = job(PLAN_APPROVE_APPLY);
    const plan = j.steps[0] as StepRecord;
    const d = decide(
      j,
      PLAN_APPROVE_APPLY,
      { stepId: plan.id, executed: result({ exitCode: 2, planChanges: true, commitId: 'abc1234', message: 'plan saved' }) },
      NOW,
    );
    expect(statuses(d.steps)).toEqual(['completed', 'pending', 'pending']);
    expect(d.steps[0]).toMatchObject({ startedDate: NOW, finishedDate: NOW });
    expect(d.fields).toEqual({ commitId: 'abc1234', planChanges: true, terraformPlan: `plans/org/7/${plan.id}.tfplan`, output: `${plan.name}: plan saved` });
    expect(d.next).toMatchObject({ kind: 'approve', step: { stepNumber: 150 }, flow: { team: 'OPS' } });
  });

  it('ends the job completed when a plan finds no changes', () => {
    const j = job(PLAN_APPROVE_APPLY);
    const d = decide(j, PLAN_APPROVE_APPLY, { stepId: (j.steps[0] as StepRecord).id, executed: result({ planChanges: false }) }, NOW);
    expect(d.fields).toMatchObject({ planChanges: false, terraformPlan: null });
    expect(d.next).toEqual({ kind: 'finish', status: 'completed', reason: 'no changes' });
  });

  it('skips the approval with autoApply, noting it in the output', () => {
    const j = job(PLAN_APPROVE_APPLY, { autoApply: true });
    const d = decide(j, PLAN_APPROVE_APPLY, { stepId: (j.steps[0] as StepRecord).id, executed: result({ planChanges: true }) }, NOW);
    expect(statuses(d.steps)).toEqual(['completed', 'completed', 'pending']);
    expect(d.fields.output).toBe(`${PLAN_APPROVE_APPLY[0]?.type} 100: ok\napproval 150: approved automatically (autoApply)`);
    expect(d.next).toMatchObject({ kind: 'execute', step: { stepNumber: 200 } });
  });

  it('continues after an approval, and completes when every step did', () => {
    const j = job(PLAN_APPROVE_APPLY);
    const [plan, approval, apply] = j.steps as [StepRecord, StepRecord, StepRecord];
    const afterApproval = decide(
      withSteps(j, [{ ...plan, status: 'completed' }, { ...approval, status: 'running' }, apply]),
      PLAN_APPROVE_APPLY,
      { stepId: approval.id, approved: true },
      NOW,
    );
    expect(statuses(afterApproval.steps)).toEqual(['completed', 'completed', 'pending']);
    expect(afterApproval.fields.output).toBe('approval 150: approved');
    expect(afterApproval.next).toMatchObject({ kind: 'execute', step: { id: apply.id } });
    const done = decide(withSteps(j, afterApproval.steps), PLAN_APPROVE_APPLY, { stepId: apply.id, executed: result({ message: 'applied' }) }, NOW);
    expect(done.next).toEqual({ kind: 'finish', status: 'completed', reason: 'all steps completed' });
  });

  it('fails the job when a step fails, unless the step ignores errors', () => {
    const flows = [flow(1, 'customScripts'), flow(2, 'customScripts')];
    const j = job(flows);
    const failed = decide(j, flows, { stepId: (j.steps[0] as StepRecord).id, executed: result({ status: 'failed', exitCode: 3, message: 'exit 3' }) }, NOW);
    expect(failed.next).toEqual({ kind: 'finish', status: 'failed', reason: 'customScripts 1 failed: exit 3' });
    const tolerant = [flow(1, 'customScripts', { ignoreError: true }), flow(2, 'customScripts')];
    const j2 = job(tolerant);
    const carriedOn = decide(j2, tolerant, { stepId: (j2.steps[0] as StepRecord).id, executed: result({ status: 'failed', message: 'exit 3' }) }, NOW);
    expect(statuses(carriedOn.steps)).toEqual(['failed', 'pending']);
    expect(carriedOn.next).toMatchObject({ kind: 'execute', step: { stepNumber: 2 } });
  });

  it('records a result once: a retried task finds the step ended and moves on', () => {
    const flows = [flow(1, 'customScripts'), flow(2, 'customScripts')];
    const j = job(flows);
    const first = j.steps[0] as StepRecord;
    const once = decide(j, flows, { stepId: first.id, executed: result({ message: 'one' }) }, NOW);
    const again = decide(withSteps(j, once.steps), flows, { stepId: first.id, executed: result({ status: 'failed', message: 'late' }) }, NOW);
    expect(again.steps[0]).toEqual(once.steps[0]);
    expect(again.fields).toEqual({});
    expect(again.next).toMatchObject({ kind: 'execute', step: { stepNumber: 2 } });
  });

  it('fails a step its run was cut off in (a restart), but waits again for an interrupted approval', () => {
    const flows = [flow(1, 'customScripts'), flow(2, 'approval', { team: 'OPS' })];
    const j = job(flows);
    const [script, approval] = j.steps as [StepRecord, StepRecord];
    const cut = decide(withSteps(j, [{ ...script, status: 'running' }, approval]), flows, undefined, NOW);
    const reason = 'customScripts 1 was interrupted before it finished; run the job again';
    expect(cut.next).toEqual({ kind: 'finish', status: 'failed', reason });
    expect(cut.steps[0]).toMatchObject({ status: 'failed', finishedDate: NOW });
    expect(cut.fields.output).toBe(reason);
    const waiting = decide(
      withSteps(j, [
        { ...script, status: 'completed' },
        { ...approval, status: 'running' },
      ]),
      flows,
      undefined,
      NOW,
    );
    expect(waiting.next).toMatchObject({ kind: 'approve', step: { id: approval.id } });
  });

  it('applies the latest plan before the apply step, and none when the plan saved no changes', () => {
    const steps = [
      { ...(initialSteps([flow(10, 'terraformPlan')], newId)[0] as StepRecord), status: 'completed' as const },
      { ...(initialSteps([flow(20, 'terraformPlanDestroy')], newId)[0] as StepRecord), status: 'completed' as const },
      { ...(initialSteps([flow(30, 'terraformPlan')], newId)[0] as StepRecord), status: 'failed' as const },
      initialSteps([flow(40, 'terraformApply')], newId)[0] as StepRecord,
    ];
    expect(planStepFor(steps, steps[3] as StepRecord, true)?.stepNumber).toBe(20);
    expect(planStepFor(steps, steps[3] as StepRecord, false)).toBeUndefined();
    expect(['terraformPlan', 'terraformApply', 'terraformDestroy', 'terraformPlanDestroy'].every(runsTerraform)).toBe(true);
    expect(runsTerraform('customScripts') || runsTerraform('approval')).toBe(false);
  });
});
