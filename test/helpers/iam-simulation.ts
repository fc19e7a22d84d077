/**
 * The IAM simulator (@cloud-copilot/iam-simulate, through the cloud-assembly test's IamCheck) over an
 * in-process synth: which role or service may do what on which resource, by the policies the
 * templates attach, with every intrinsic resolved as a deployment in the stack's account and Region
 * would resolve it.
 */
import { CloudAssembly, type Resource } from './assembly/cloud-assembly';
import { IamCheck, roleKey } from './assembly/iam-check';
import type { SharedSynth } from './shared-synth';

type Json = Record<string, any>;

export interface Simulator {
  assembly: CloudAssembly;
  /** 'Allowed', or the simulator's reason for refusing. */
  decide(who: Resource | string, action: string, resource: string, context?: Record<string, string | string[]>, resourcePolicy?: Json): Promise<string>;
  /** The role resource a property (`{ "Fn::GetAtt": [role, "Arn"] }`) names. */
  roleOf(resource: Resource, property: unknown): Resource;
  resolve(resource: Resource, value: unknown): unknown;
}

export function simulator(synth: Pick<SharedSynth, 'stack' | 'outdir'>): Simulator {
  const { account, region } = synth.stack;
  const runtimeAttributes = new Map<string, string>();
  const assembly = new CloudAssembly(synth.outdir, synth.stack.artifactId, { account, region, prefix: 'sim', runtimeAttributes });
  // Known only once a table exists: its stream's ARN.
  for (const table of assembly.resources('AWS::DynamoDB::GlobalTable')) {
    runtimeAttributes.set(`${table.stack.name}/${table.logicalId}.StreamArn`, `${assembly.physicalOf(table, 'Arn')}/stream/2026-01-01T00:00:00.000`);
  }
  const iam = new IamCheck(assembly);
  return {
    assembly,
    resolve: (resource, value) => assembly.resolve(value, resource.stack),
    roleOf(resource, property) {
      const arn = assembly.resolve(property, resource.stack) as string;
      const role = assembly.findByPhysical('AWS::IAM::Role', arn);
      if (!role) throw new Error(`${resource.logicalId}: no role of the template is ${arn}`);
      return role;
    },
    decide: (who, action, resource, context = {}, resourcePolicy) =>
      iam.decide({ roleKey: typeof who === 'string' ? who : roleKey(who), action, resource, context: { 'aws:SecureTransport': 'true', ...context }, resourcePolicy }),
  };
}
