/** cdk-nag acknowledgements: each one sits next to the construct it concerns and says why. */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}

/** A resource ARN as cdk-nag prints it in a finding id (`<Logical.Arn>`, `<AWS::Region>` …). */
export function nagResource(scope: IConstruct, arn: string): string {
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as Record<string, unknown>;
    if (o['Fn::Join']) {
      const [separator, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
    if (o.Ref) return `<${String(o.Ref)}>`;
    if (o['Fn::GetAtt']) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    return JSON.stringify(v);
  };
  return render(Stack.of(scope).resolve(arn));
}

/** Acknowledges the wildcard finding cdk-nag raises for `arn` granted to `grantee`. */
export function acknowledgeWildcard(grantee: IConstruct, arn: string, reason: string): void {
  acknowledge(grantee, `AwsSolutions-IAM5[Resource::${nagResource(grantee, arn)}]`, reason);
}
