/**
 * A job as terraform's wait loops see it (shared/tfe/run-view.ts): each stage of a Terraform-Plan/Apply-Cli
 * job gives the run status, phase statuses and actions that make terraform stream, prompt, apply and stop.
 */
import { describe, expect, it } from 'vitest';
import type { JobRecord, StepRecord } from '../../shared/domain/records';
import type { StepStatus } from '../../shared/domain/job-status';
import { runView } from '../../shared/tfe/run-view';

const T = '2026-12-01T10:00:00.000Z';
const step = (n: number, type: StepRecord['type'], status: StepStatus): StepRecord => ({
  id: `s${n}`,
  stepNumber: n * 100,
  name: type,
  type,
  status,
  output: null,
  startedDate: status === 'pending' ? null : T,
  finishedDate: ['completed', 'failed', 'cancelled'].includes(status) ? T : null,
});

function job(status: JobRecord['status'], steps: [StepStatus, StepStatus, StepStatus] | null, planChanges = true): JobRecord {
  return {
    id: 1,
    organizationId: 'o',
    workspaceId: 'w',
    status,
    templateReference: null,
    tcl: null,
    command: null,
    overrideBranch: null,
    commitId: null,
    via: 'CLI',
    refresh: true,
    refreshOnly: false,
    autoApply: false,
    planChanges,
    comments: null,
    approvalTeam: 'TERRAFORM_CLI',
    output: null,
    terraformPlan: null,
    steps: steps ? [step(1, 'terraformPlan', steps[0]), step(2, 'approval', steps[1]), step(3, 'terraformApply', steps[2])] : [],
    createdBy: 'u',
    createdDate: T,
    updatedBy: 'u',
    updatedDate: T,
  };
}

describe('a CLI apply job as a TFE run', () => {
  it.each([
    ['waiting its turn', job('pending', null), 'pending', 'pending', 'pending', { 'is-cancelable': true, 'is-confirmable': false, 'is-discardable': true }],
    ['planning', job('running', ['running', 'pending', 'pending']), 'planning', 'running', 'pending', { 'is-cancelable': true, 'is-confirmable': false }],
    ['waiting for the prompt', job('waitingApproval', ['completed', 'running', 'pending']), 'planned', 'finished', 'pending', { 'is-confirmable': true, 'is-discardable': true, 'is-cancelable': false }],
    ['confirmed', job('approved', ['completed', 'completed', 'pending']), 'confirmed', 'finished', 'queued', { 'is-confirmable': false }],
    ['applying', job('running', ['completed', 'completed', 'running']), 'applying', 'finished', 'running', { 'is-cancelable': true }],
    ['applied', job('completed', ['completed', 'completed', 'completed']), 'applied', 'finished', 'finished', { 'is-cancelable': false }],
    ['discarded', job('rejected', ['completed', 'failed', 'notExecuted']), 'discarded', 'finished', 'unreachable', { 'is-confirmable': false }],
    ['cancelled while planning', job('cancelled', ['cancelled', 'cancelled', 'cancelled']), 'canceled', 'canceled', 'canceled', { 'is-cancelable': false }],
    ['failed planning', job('failed', ['failed', 'notExecuted', 'notExecuted']), 'errored', 'errored', 'unreachable', { 'is-cancelable': false }],
  ])('%s', (_stage, j, status, plan, apply, actions) => {
    const view = runView(j);
    expect(view.status).toBe(status);
    expect(view.plan.status).toBe(plan);
    expect(view.apply.status).toBe(apply);
    expect(view.actions).toMatchObject(actions);
  });

  it('a plan with no changes ends planned_and_finished, its apply unreachable', () => {
    const view = runView(job('completed', ['completed', 'notExecuted', 'notExecuted'], false));
    expect(view).toMatchObject({ status: 'planned_and_finished', hasChanges: false, plan: { status: 'finished' }, apply: { status: 'unreachable' } });
  });

  it('timestamps end in Z (go-tfe refuses +00:00)', () => {
    const view = runView(job('completed', ['completed', 'completed', 'completed']));
    for (const value of Object.values(view.timestamps)) expect(value).toMatch(/Z$/);
    expect(Object.keys(view.timestamps)).toEqual(expect.arrayContaining(['plan-queued-at', 'planning-at', 'planned-at', 'confirmed-at', 'applying-at', 'applied-at']));
  });
});
