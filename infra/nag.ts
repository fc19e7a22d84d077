/** cdk-nag acknowledgements: each one sits next to the construct it concerns and says why. */
import { CfnElement, Names, Reference, Stack, StringConcat, Tokenization, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}

/**
 * A resource ARN as cdk-nag prints it in a finding id (`<Logical.Arn>`, `<AWS::Region>` …). In a
 * nested stack, a resource of another stack arrives as a parameter CDK names after it.
 */
export function nagResource(scope: IConstruct, arn: string): string {
  const stack = Stack.of(scope);
  return Tokenization.reverseString(arn)
    .mapTokens({
      mapToken: (token) => {
        if (token instanceof Reference && CfnElement.isCfnElement(token.target) && Stack.of(token.target) !== stack) {
          return `<referenceto${Names.nodeUniqueId(token.target.node)}${token.displayName}>`;
        }
        return renderResolved(stack.resolve(token));
      },
    })
    .join(new StringConcat()) as string;
}

function renderResolved(value: unknown): string {
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
  return render(value);
}

/** Acknowledges the wildcard finding cdk-nag raises for `arn` granted to `grantee`. */
export function acknowledgeWildcard(grantee: IConstruct, arn: string, reason: string): void {
  acknowledge(grantee, `AwsSolutions-IAM5[Resource::${nagResource(grantee, arn)}]`, reason);
}
