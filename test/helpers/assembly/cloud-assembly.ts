/**
 * What `cdk synth` wrote, read as CloudFormation would deploy it: the root template, each nested
 * stack's template (found through its TemplateURL's object key in the asset manifest), every code asset
 * (found the same way through S3Key), and the intrinsic functions resolved to the physical names and
 * ARNs of a local deployment. A reference this resolver does not know fails loudly: it is a resource or
 * attribute the local deployment would have to learn before it can vouch for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, any>;

export interface Resource {
  logicalId: string;
  type: string;
  properties: Json;
  stack: StackTemplate;
}

export interface StackTemplate {
  name: string;
  file: string;
  template: Json;
  parent?: { stack: StackTemplate; logicalId: string };
}

export interface Deployment {
  account: string;
  region: string;
  /** Prefix of generated physical names (one deployment per test run). */
  prefix: string;
  /** Attributes only known once a resource exists locally (a table's stream ARN). */
  runtimeAttributes: Map<string, string>;
}

export class CloudAssembly {
  readonly stacks: StackTemplate[] = [];
  private readonly assetPaths = new Map<string, string>();

  constructor(readonly dir: string, rootStack: string, readonly deployment: Deployment) {
    const manifest = JSON.parse(readFileSync(join(dir, `${rootStack}.assets.json`), 'utf8')) as { files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }> };
    for (const file of Object.values(manifest.files)) {
      for (const destination of Object.values(file.destinations)) this.assetPaths.set(destination.objectKey, join(dir, file.source.path));
    }
    const root: StackTemplate = { name: rootStack, file: `${rootStack}.template.json`, template: this.readJson(`${rootStack}.template.json`) };
    this.addStack(root);
  }

  private readJson(file: string): Json {
    return JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as Json;
  }

  private addStack(stack: StackTemplate): void {
    this.stacks.push(stack);
    for (const [logicalId, resource] of Object.entries(stack.template.Resources as Json)) {
      if (resource.Type !== 'AWS::CloudFormation::Stack') continue;
      const url = this.resolve(resource.Properties.TemplateURL, stack) as string;
      const path = this.assetPath(url.split('/').at(-1) as string);
      this.addStack({ name: `${stack.name}-${logicalId}`, file: path, template: JSON.parse(readFileSync(path, 'utf8')) as Json, parent: { stack, logicalId } });
    }
  }

  /** The file or directory CDK staged for the object `key` of the assets bucket. */
  assetPath(key: string): string {
    const path = this.assetPaths.get(key);
    if (!path) throw new Error(`no asset in ${this.dir} is published as ${key}`);
    return path;
  }

  resources(type?: string): Resource[] {
    return this.stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources as Json)
        .filter(([, r]) => !type || r.Type === type)
        .map(([logicalId, r]) => ({ logicalId, type: r.Type as string, properties: (r.Properties ?? {}) as Json, stack })),
    );
  }

  resource(stack: StackTemplate, logicalId: string): Resource {
    const r = (stack.template.Resources as Json)[logicalId];
    if (!r) throw new Error(`${stack.name} has no resource ${logicalId}`);
    return { logicalId, type: r.Type, properties: r.Properties ?? {}, stack };
  }

  /** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select and Fn::Split to local values. */
  resolve(value: unknown, stack: StackTemplate): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, stack));
    if (!value || typeof value !== 'object') return value;
    const v = value as Json;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const arg = v[fn];
      if (fn === 'Ref') return this.ref(arg as string, stack);
      if (fn === 'Fn::GetAtt') return this.getAtt(...((typeof arg === 'string' ? arg.split('.') : arg) as [string, string]), stack);
      if (fn === 'Fn::Join') return (this.resolve(arg[1], stack) as unknown[]).join(arg[0]);
      if (fn === 'Fn::Select') return (this.resolve(arg[1], stack) as unknown[])[Number(this.resolve(arg[0], stack))];
      if (fn === 'Fn::Split') return String(this.resolve(arg[1], stack)).split(arg[0]);
      if (fn === 'Fn::Sub') return this.sub(arg, stack);
      if (fn.startsWith('Fn::')) throw new Error(`${stack.name}: ${fn} is not resolved locally`);
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(v[k], stack)]));
  }

  private sub(arg: string | [string, Json], stack: StackTemplate): string {
    const [text, vars] = typeof arg === 'string' ? [arg, {}] : arg;
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name in vars) return String(this.resolve(vars[name], stack));
      return String(name.includes('.') ? this.getAtt(...(name.split('.') as [string, string]), stack) : this.ref(name, stack));
    });
  }

  private ref(name: string, stack: StackTemplate): unknown {
    const { account, region } = this.deployment;
    const pseudo: Record<string, string> = { 'AWS::AccountId': account, 'AWS::Region': region, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': stack.name, 'AWS::NoValue': '' };
    if (name in pseudo) return pseudo[name];
    const parameter = stack.template.Parameters?.[name];
    if (parameter) {
      if (!stack.parent) return parameter.Default;
      const given = this.resource(stack.parent.stack, stack.parent.logicalId).properties.Parameters?.[name];
      if (given === undefined) throw new Error(`${stack.name}: parameter ${name} is not given by its parent stack`);
      return this.resolve(given, stack.parent.stack);
    }
    return this.physical(this.resource(stack, name), 'Ref');
  }

  private getAtt(logicalId: string, attribute: string, stack: StackTemplate): unknown {
    const resource = this.resource(stack, logicalId);
    if (resource.type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) {
      const nested = this.stacks.find((s) => s.parent?.stack === stack && s.parent.logicalId === logicalId) as StackTemplate;
      return this.resolve(nested.template.Outputs[attribute.slice('Outputs.'.length)].Value, nested);
    }
    return this.physical(resource, attribute);
  }

  /** A resource's name in the local deployment: its logical id, prefixed where names are global. */
  name(resource: Resource): string {
    const p = resource.properties;
    const given = p.TableName ?? p.FunctionName ?? p.RoleName ?? p.StateMachineName ?? p.Name ?? p.QueueName ?? p.LogGroupName ?? p.BucketName;
    return given !== undefined ? String(this.resolve(given, resource.stack)) : `${this.deployment.prefix}-${resource.logicalId}`;
  }

  private physical(resource: Resource, attribute: string): string {
    const { account, region } = this.deployment;
    const name = this.name(resource);
    const arn = (service: string, rest: string, r = region) => `arn:aws:${service}:${r}:${account}:${rest}`;
    const known = this.deployment.runtimeAttributes.get(`${resource.stack.name}/${resource.logicalId}.${attribute}`);
    if (known !== undefined) return known;
    const byType: Record<string, Record<string, () => string>> = {
      'AWS::DynamoDB::GlobalTable': { Ref: () => name, Arn: () => arn('dynamodb', `table/${name}`) },
      'AWS::DynamoDB::Table': { Ref: () => name, Arn: () => arn('dynamodb', `table/${name}`) },
      'AWS::Lambda::Function': { Ref: () => name, Arn: () => arn('lambda', `function:${name}`) },
      'AWS::IAM::Role': { Ref: () => name, Arn: () => `arn:aws:iam::${account}:role/${name}`, RoleId: () => `AROA${resource.logicalId.toUpperCase().slice(0, 16)}` },
      'AWS::S3::Bucket': { Ref: () => name.toLowerCase(), Arn: () => `arn:aws:s3:::${name.toLowerCase()}` },
      'AWS::StepFunctions::StateMachine': { Ref: () => arn('states', `stateMachine:${name}`), Arn: () => arn('states', `stateMachine:${name}`), Name: () => name },
      'AWS::SecretsManager::Secret': { Ref: () => arn('secretsmanager', `secret:${name}-AbCdEf`) },
      'AWS::KMS::Key': { Ref: () => keyId(resource.logicalId), Arn: () => arn('kms', `key/${keyId(resource.logicalId)}`) },
      'AWS::CodeBuild::Project': { Ref: () => name, Arn: () => arn('codebuild', `project/${name}`) },
      'AWS::SQS::Queue': { Ref: () => `http://sqs.${region}.localhost/${account}/${name}`, Arn: () => arn('sqs', name), QueueName: () => name, QueueUrl: () => `http://sqs.${region}.localhost/${account}/${name}` },
      'AWS::SNS::Topic': { Ref: () => arn('sns', name), TopicArn: () => arn('sns', name), TopicName: () => name },
      'AWS::Logs::LogGroup': { Ref: () => name, Arn: () => arn('logs', `log-group:${name}:*`) },
      // The HTTP API, and the live status feed's WebSocket API beside it (served by neither local gateway: its functions are tested in-process).
      'AWS::ApiGatewayV2::Api': resource.properties.ProtocolType === 'WEBSOCKET'
        ? { Ref: () => 'localws', ApiEndpoint: () => 'wss://localws.execute-api.localhost' }
        : { Ref: () => 'localapi', ApiEndpoint: () => 'http://localapi.execute-api.localhost' },
      'AWS::ApiGatewayV2::Authorizer': { Ref: () => resource.logicalId },
      'AWS::ApiGatewayV2::Integration': { Ref: () => resource.logicalId },
      'AWS::Events::Rule': { Ref: () => name, Arn: () => arn('events', `rule/${name}`) },
    };
    const get = byType[resource.type]?.[attribute];
    if (!get) throw new Error(`${resource.stack.name}: ${attribute} of ${resource.logicalId} (${resource.type}) is not resolved locally`);
    return get();
  }

  /** The resource a resolved ARN or name denotes, among those of `type`. */
  findByPhysical(type: string, value: string, attribute = 'Arn'): Resource | undefined {
    return this.resources(type).find((r) => this.physical(r, attribute) === value || this.physical(r, 'Ref') === value);
  }

  physicalOf(resource: Resource, attribute = 'Ref'): string {
    return this.physical(resource, attribute);
  }
}

/** A stable UUID-shaped key id per logical id. */
function keyId(logicalId: string): string {
  const hex = Buffer.from(logicalId.padEnd(16, '0').slice(0, 16)).toString('hex').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
