/**
 * The templates every new organization gets (Terrakube's names and flows, contract §4). Kept free of
 * the YAML parser: the job routes import the command names from here, and a GET need not load YAML.
 */

export interface TemplateSeed {
  name: string;
  description: string;
  yaml: string;
}

export const DEFAULT_TEMPLATES: readonly TemplateSeed[] = [
  {
    name: 'Plan',
    description: 'Running Terraform plan',
    yaml: 'flow:\n  - type: "terraformPlan"\n    name: "Plan"\n    step: 100\n',
  },
  {
    name: 'Plan and apply',
    description: 'Running Terraform plan and apply',
    yaml: 'flow:\n  - type: "terraformPlan"\n    name: "Plan"\n    step: 100\n  - type: "terraformApply"\n    name: "Apply"\n    step: 200\n',
  },
  {
    name: 'Destroy',
    description: 'Running Terraform destroy',
    yaml: 'flow:\n  - type: "terraformDestroy"\n    name: "Destroy"\n    step: 100\n',
  },
  {
    name: 'Terraform-Plan/Apply-Cli',
    description: 'Running Terraform apply from Terraform CLI',
    yaml:
      'flow:\n  - type: "terraformPlan"\n    name: "Terraform Plan from Terraform CLI"\n    step: 100\n' +
      '  - type: "approval"\n    name: "Approve Plan from Terraform CLI"\n    step: 150\n    team: "TERRAFORM_CLI"\n' +
      '  - type: "terraformApply"\n    name: "Terraform Apply from Terraform CLI"\n    step: 200\n',
  },
  {
    name: 'Terraform-Plan/Destroy-Cli',
    description: 'Running Terraform destroy from Terraform CLI',
    yaml:
      'flow:\n  - type: "terraformPlanDestroy"\n    name: "Terraform Plan Destroy from Terraform CLI"\n    step: 100\n' +
      '  - type: "approval"\n    name: "Approve Plan from Terraform CLI"\n    step: 150\n    team: "TERRAFORM_CLI"\n' +
      '  - type: "terraformApply"\n    name: "Terraform Apply from Terraform CLI"\n    step: 200\n',
  },
];

/** v1.3 `command` → the default template that runs it. */
export const COMMAND_TEMPLATES = { plan: 'Plan', apply: 'Plan and apply', destroy: 'Destroy' } as const;
export type JobCommand = keyof typeof COMMAND_TEMPLATES;

export const defaultTemplateTcl = (seed: TemplateSeed) => Buffer.from(seed.yaml, 'utf8').toString('base64');
