/** Synthesizes the stack for assertions, without bundling (no esbuild per function in tests). */
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerrakubeJobsStack, type TerrakubeJobsStackProps } from '../../infra/stack';

type Json = Record<string, any>;

export interface Synthesized {
  stack: TerrakubeJobsStack;
  /** The cloud assembly directory (templates and asset manifest; function code not bundled). */
  outdir: string;
  /** Every template's resources in one view (logical ids are unique across the templates). */
  template: Template;
  /** Each template as written: the root stack's and every nested stack's, by file name. */
  templates: { file: string; json: Json }[];
  /** cdk-nag findings not acknowledged. */
  nagViolations: string[];
}

export function synthesize(props: TerrakubeJobsStackProps = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-test-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new TerrakubeJobsStack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' }, ...props });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let nagViolations: string[] = [];
  try {
    app.synth();
  } catch (error) {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
    };
    nagViolations = report.pluginReports.flatMap((p) => p.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`)));
    if (nagViolations.length === 0) throw error;
  }
  // Read the written templates: re-synthesizing would fail again on the same findings.
  const files = [`${stack.artifactId}.template.json`, ...readdirSync(outdir).filter((f) => f.endsWith('.nested.template.json')).sort()];
  const templates = files.map((file) => ({ file, json: JSON.parse(readFileSync(join(outdir, file), 'utf8')) as Json }));
  return { stack, outdir, template: Template.fromJSON(merged(templates.map((t) => t.json))), templates, nagViolations };
}

/** One template holding every template's resources, for assertions that search the whole service. */
function merged(templates: Json[]): Json {
  const resources: Json = {};
  for (const t of templates) {
    for (const [id, resource] of Object.entries(t.Resources as Json)) {
      if (resources[id]) throw new Error(`logical id ${id} is in two templates`);
      resources[id] = resource;
    }
  }
  return { Resources: resources };
}

export { actionsOf } from './template';
