/**
 * EventBridge and Lambda's event source mappings, locally, from the template: an event is matched
 * against every enabled rule's EventPattern and delivered to its Lambda targets; a stream record is
 * matched against the mapping's FilterCriteria. Patterns use the operators the template uses (value
 * lists, `exists`, `prefix`); any other operator fails the test instead of matching silently.
 */
import type { CloudAssembly } from './cloud-assembly';

type Json = Record<string, any>;

/** Whether `event` matches an EventBridge / Lambda filter `pattern`. */
export function matches(pattern: Json, event: Json | undefined): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const value = event?.[key];
    if (Array.isArray(rule)) {
      return rule.some((r) => {
        if (r === null || typeof r !== 'object') return Array.isArray(value) ? value.includes(r) : value === r;
        if ('exists' in r) return r.exists ? value !== undefined : value === undefined;
        if ('prefix' in r) return typeof value === 'string' && value.startsWith(r.prefix);
        throw new Error(`event pattern operator ${JSON.stringify(r)} is not matched locally`);
      });
    }
    return typeof rule === 'object' && value !== null && typeof value === 'object' && matches(rule, value);
  });
}

export interface Rule {
  arn: string;
  pattern: Json;
  targets: string[];
}

export function eventRules(assembly: CloudAssembly): Rule[] {
  return assembly
    .resources('AWS::Events::Rule')
    .filter((r) => (r.properties.State ?? 'ENABLED') === 'ENABLED')
    .map((r) => ({
      arn: assembly.physicalOf(r, 'Arn'),
      pattern: assembly.resolve(r.properties.EventPattern, r.stack) as Json,
      targets: (r.properties.Targets as Json[]).map((t) => assembly.resolve(t.Arn, r.stack) as string),
    }));
}

/** An event as EventBridge delivers it to a target. */
export function envelope(source: string, detailType: string, resources: string[], detail: Json, assembly: CloudAssembly): Json {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': detailType,
    source,
    account: assembly.deployment.account,
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region: assembly.deployment.region,
    resources,
    detail,
  };
}
