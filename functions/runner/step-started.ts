/**
 * EventBridge "CodeBuild Build State Change" (IN_PROGRESS): the executor build for a step started, so
 * the job and the step are running. The build carries the job and step in its environment overrides.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { stepStarted } from '../../shared/runner/step-started';
import { observed } from '../../shared/observability/lambda';

type Detail = { 'build-status': string; 'additional-information'?: { environment?: { 'environment-variables'?: { name: string; value: string }[] } } };

export const handler = observed(async (event: EventBridgeEvent<'CodeBuild Build State Change', Detail>): Promise<void> => {
  const vars = event.detail['additional-information']?.environment?.['environment-variables'] ?? [];
  const get = (name: string) => vars.find((v) => v.name === name)?.value;
  const [org, job, step] = [get('TK_ORG'), Number(get('TK_JOB')), get('TK_STEP')];
  if (event.detail['build-status'] !== 'IN_PROGRESS' || !org || !job || !step) return;
  await stepStarted(org, job, step);
});
