/**
 * Were the calls the deployment made allowed? Each recorded call (caller's role, action, resource,
 * condition context) is evaluated by @cloud-copilot/iam-simulate, a maintained IAM policy simulator,
 * against what the template attaches: the role's policies (AWS::IAM::Policy resources naming it, its
 * inline policies) and the resource's policy (a KMS key policy, an S3 bucket policy, the Lambda
 * permissions of a function invoked by a service). Nothing here matches policies by hand.
 */
import { anonymousPrincipal, runSimulation } from '@cloud-copilot/iam-simulate';
import type { CloudAssembly, Resource } from './cloud-assembly';
import type { RecordedCall } from './local-aws';

type Json = Record<string, any>;

export interface Denial {
  caller: string;
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  decision: string;
}

/** The condition a Lambda permission's properties put on its statement. */
function permissionConditions(p: Json): { Condition?: Json } {
  const condition: Json = {};
  if (p.SourceArn) condition.ArnLike = { 'aws:SourceArn': p.SourceArn };
  if (p.FunctionUrlAuthType) condition.StringEquals = { 'lambda:FunctionUrlAuthType': p.FunctionUrlAuthType };
  if (p.InvokedViaFunctionUrl !== undefined) condition.Bool = { 'lambda:InvokedViaFunctionUrl': String(p.InvokedViaFunctionUrl) };
  return Object.keys(condition).length ? { Condition: condition } : {};
}

/** `stack/logicalId` of each role, the key the local endpoint records calls under. */
export const roleKey = (role: Resource) => `${role.stack.name}/${role.logicalId}`;

export class IamCheck {
  private readonly roles = new Map<string, Resource>();
  // The template does not change once read: each role's policies, each resource's policy and the
  // Lambda permissions are resolved once, not for every call checked (the check took 20 s, nearly all
  // of it resolving every permission of the template and looking up its function, call after call).
  private readonly identityCache = new Map<string, { name: string; policy: Json }[]>();
  private readonly resourceCache = new Map<string, Json | undefined>();
  private readonly memo = new Map<string, unknown>();

  constructor(private readonly assembly: CloudAssembly) {
    for (const role of assembly.resources('AWS::IAM::Role')) this.roles.set(roleKey(role), role);
  }

  /** The identity policies the template attaches to `role`. */
  identityPolicies(role: Resource): { name: string; policy: Json }[] {
    const key = roleKey(role);
    let policies = this.identityCache.get(key);
    if (!policies) this.identityCache.set(key, (policies = this.resolveIdentityPolicies(role)));
    return policies;
  }

  private resolveIdentityPolicies(role: Resource): { name: string; policy: Json }[] {
    const name = this.assembly.physicalOf(role);
    const inline = ((role.properties.Policies ?? []) as Json[]).map((p) => ({ name: String(p.PolicyName), policy: this.assembly.resolve(p.PolicyDocument, role.stack) as Json }));
    if ((role.properties.ManagedPolicyArns ?? []).length) throw new Error(`${role.logicalId} has managed policies, whose statements the template does not hold`);
    const attached = this.assembly
      .resources('AWS::IAM::Policy')
      .filter((p) => (this.assembly.resolve(p.properties.Roles ?? [], p.stack) as string[]).includes(name))
      .map((p) => ({ name: p.logicalId, policy: this.assembly.resolve(p.properties.PolicyDocument, p.stack) as Json }));
    return [...inline, ...attached];
  }

  resourcePolicy(call: Pick<RecordedCall, 'service' | 'resource'>): Json | undefined {
    const key = `${call.service}|${call.resource}`;
    if (!this.resourceCache.has(key)) this.resourceCache.set(key, this.resolveResourcePolicy(call));
    return this.resourceCache.get(key);
  }

  private resolveResourcePolicy(call: Pick<RecordedCall, 'service' | 'resource'>): Json | undefined {
    const a = this.assembly;
    if (call.service === 'kms') {
      const key = a.resources('AWS::KMS::Key').find((k) => a.physicalOf(k, 'Arn') === call.resource);
      return key ? (a.resolve(key.properties.KeyPolicy, key.stack) as Json) : undefined;
    }
    if (call.service === 's3') {
      const bucket = call.resource.replace(/^arn:aws:s3:::/, '').split('/')[0];
      const policy = a.resources('AWS::S3::BucketPolicy').find((p) => a.resolve(p.properties.Bucket, p.stack) === bucket);
      return policy ? (a.resolve(policy.properties.PolicyDocument, policy.stack) as Json) : undefined;
    }
    if (call.service === 'logs') {
      // Account-level CloudWatch Logs resource policies (what lets log delivery write a log group): the same for every log group.
      return this.once('logs', () => {
        const statements = a.resources('AWS::Logs::ResourcePolicy').flatMap((p) => (JSON.parse(String(a.resolve(p.properties.PolicyDocument, p.stack))) as Json).Statement as Json[]);
        return statements.length ? { Version: '2012-10-17', Statement: statements } : undefined;
      });
    }
    if (call.service === 'sns') {
      const policy = a.resources('AWS::SNS::TopicPolicy').find((p) => (a.resolve(p.properties.Topics, p.stack) as string[]).includes(call.resource));
      return policy ? (a.resolve(policy.properties.PolicyDocument, policy.stack) as Json) : undefined;
    }
    if (call.service === 'lambda') {
      const target = this.functionOf(call.resource);
      const statements = this.permissions()
        .filter((p) => p.FunctionName === call.resource || this.functionOf(p.FunctionName) === target)
        .map((p) => ({
          Effect: 'Allow',
          // "*": anyone, as a public function URL's permissions say (with the conditions that make them a URL's).
          Principal: p.Principal === '*' ? '*' : { Service: p.Principal },
          Action: p.Action,
          Resource: call.resource,
          ...permissionConditions(p),
        }));
      return statements.length ? { Version: '2012-10-17', Statement: statements } : undefined;
    }
    return undefined;
  }

  /** Every Lambda permission of the template, resolved. */
  private permissions(): Json[] {
    return this.once('lambda permissions', () => this.assembly.resources('AWS::Lambda::Permission').map((p) => this.assembly.resolve(p.properties, p.stack) as Json));
  }

  /** The logical id of the function a name or ARN denotes (undefined: none of the template). */
  private functionOf(nameOrArn: string): string | undefined {
    return this.once(`function ${nameOrArn}`, () => this.assembly.findByPhysical('AWS::Lambda::Function', nameOrArn)?.logicalId);
  }

  private once<T>(key: string, make: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, make());
    return this.memo.get(key) as T;
  }

  /**
   * The simulator's decision ('Allowed', 'ImplicitlyDenied', …) on one request: a role's call (its
   * identity policies and the resource's policy), or a service principal's (the resource policy only).
   */
  async decide(request: { roleKey: string; action: string; resource: string; context?: Record<string, string | string[]>; service?: string; resourcePolicy?: Json }): Promise<string> {
    const { account } = this.assembly.deployment;
    const [service, sourceArn] = request.roleKey.split('|');
    const byService = sourceArn !== undefined;
    // A caller without AWS credentials (a function URL with auth NONE is called by anyone).
    const anonymous = request.roleKey === 'anonymous';
    const role = byService || anonymous ? undefined : this.roles.get(request.roleKey);
    if (!byService && !anonymous && !role) throw new Error(`${request.roleKey} is not a role of the template`);
    const principal = anonymous ? anonymousPrincipal : byService ? (service as string) : `arn:aws:sts::${account}:assumed-role/${this.assembly.physicalOf(role as Resource)}/local`;
    const result = await runSimulation(
      {
        request: {
          principal,
          action: request.action,
          resource: { resource: request.resource, accountId: account },
          contextVariables: { ...request.context, ...(byService ? { 'aws:SourceArn': sourceArn as string, 'aws:SourceAccount': account } : {}) },
        },
        identityPolicies: role ? this.identityPolicies(role) : [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: request.resourcePolicy ?? this.resourcePolicy({ service: request.service ?? request.action.split(':')[0], resource: request.resource }),
      },
      {},
    );
    return result.resultType === 'error' ? `simulation error: ${JSON.stringify(result.errors)}` : result.overallResult;
  }

  /** Every call that the template's policies do not allow (an empty list when all are). */
  async denials(calls: RecordedCall[]): Promise<Denial[]> {
    const unique = new Map<string, RecordedCall>();
    for (const call of calls) unique.set(JSON.stringify([call.identity.roleKey, call.action, call.resource, call.context]), call);
    const denials: Denial[] = [];
    for (const call of unique.values()) {
      const anonymous = call.identity.roleKey === 'anonymous';
      if (!anonymous && !call.identity.roleKey.includes('|') && !this.roles.has(call.identity.roleKey)) throw new Error(`${call.identity.label} runs as ${call.identity.roleKey}, which is not a role of the template`);
      const decision = await this.decide({ roleKey: call.identity.roleKey, action: call.action, resource: call.resource, context: call.context, service: call.service });
      if (decision !== 'Allowed') denials.push({ caller: call.identity.label, action: call.action, resource: call.resource, context: call.context, decision });
    }
    return denials;
  }
}
