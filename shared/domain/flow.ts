/**
 * What a template's flow is made of, apart from the YAML it is written in: modules that only need the
 * types and the list of flow types import this, so they do not load the YAML parser (see tcl.ts).
 */
export const FLOW_TYPES = [
  'terraformPlan',
  'terraformPlanDestroy',
  'terraformApply',
  'terraformDestroy',
  'customScripts',
  'approval',
] as const;
export type FlowType = (typeof FLOW_TYPES)[number];
export const TERRAFORM_FLOW_TYPES: readonly FlowType[] = ['terraformPlan', 'terraformPlanDestroy', 'terraformApply', 'terraformDestroy'];

export interface Command {
  runtime: 'BASH';
  priority: number;
  before: boolean;
  after: boolean;
  script: string;
}

export interface Flow {
  type: FlowType;
  name: string;
  step: number;
  ignoreError: boolean;
  team?: string;
  commands: Command[];
}
