#!/usr/bin/env node
/** The CDK app: `npx cdk synth` / `npx cdk deploy`, with cdk-nag's AwsSolutions checks on every synth. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseCorsOrigins } from '../shared/http/cors';
import { TerrakubeJobsStack } from './stack';

const app = new App();
const ctx = (name: string): string | undefined => app.node.tryGetContext(name) ?? process.env[`TERRAKUBE_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`];

function executorCompute(value: string | undefined): 'lambda' | 'ec2' | undefined {
  if (value === undefined || value === 'lambda' || value === 'ec2') return value;
  throw new Error(`executorCompute must be 'lambda' or 'ec2', not '${value}'`);
}

function wholeNumber(name: string): number | undefined {
  const value = ctx(name);
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`${name} must be a whole number, not '${value}'`);
  return Number(value);
}

const issuer = ctx('oidcIssuer');
new TerrakubeJobsStack(app, ctx('stackName') ?? 'TerrakubeJobs', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  adminGroup: ctx('adminGroup'),
  oidc: issuer ? { issuer, audience: ctx('oidcAudience') ?? 'terrakube' } : undefined,
  tableDeletionProtection: ctx('tableDeletionProtection') !== 'false',
  alarmEmail: ctx('alarmEmail'),
  executorCompute: executorCompute(ctx('executorCompute')),
  runnerTaskConcurrency: wholeNumber('runnerTaskConcurrency'),
  timeouts: { stepSeconds: wholeNumber('stepSeconds') },
  corsOrigins: parseCorsOrigins(ctx('corsOrigins')),
  workloadIdentityIssuer: ctx('workloadIdentityIssuer')?.replace(/\/+$/, ''),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
