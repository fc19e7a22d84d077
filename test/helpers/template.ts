/** Reading a synthesized template (no synth here: importable without loading the stack). */
import type { Template } from 'aws-cdk-lib/assertions';

type Resource = { Type: string; Properties: Record<string, any> };

/** IAM actions granted to the role of the function whose description is `description`. */
export function actionsOf(template: Template, description: string): string[] {
  const functions = template.findResources('AWS::Lambda::Function', { Properties: { Description: description } }) as Record<string, Resource>;
  const fn = Object.values(functions)[0];
  if (!fn) throw new Error(`no function described '${description}'`);
  const roleRef = fn.Properties.Role['Fn::GetAtt'][0] as string;
  const policies = template.findResources('AWS::IAM::Policy') as Record<string, Resource>;
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleRef))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .sort();
}
