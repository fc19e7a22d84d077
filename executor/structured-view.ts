/**
 * The step's structured view, for the Terrakube UI's run page (GET /context/v1/{jobId}): after a plan,
 * the changes of `terraform show -json <saved plan>`; after an apply, the same changes as applied and
 * the outputs of `terraform output -json`. Written next to the step log (the job's other reads), with
 * every value terraform marks sensitive and every secret of the step replaced: the view is shown to
 * anyone who may read the job.
 */
import { maskSecrets } from './log-sink';

export const REDACTED = '(sensitive value)';

export interface PlanChangeView {
  address?: string;
  moduleAddress?: string;
  resourceType?: string;
  resourceName?: string;
  actions: string[];
  action: string;
  importing?: { id?: string };
  before: unknown;
  after: unknown;
  afterUnknown: unknown;
  beforeSensitive: unknown;
  afterSensitive: unknown;
  status?: 'planned' | 'applied';
}

export interface OutputView {
  name: string;
  value: unknown;
  sensitive: boolean;
  type?: unknown;
}

export interface StepView {
  plan?: PlanChangeView[];
  apply?: PlanChangeView[];
  outputs?: OutputView[];
}

/** A value with what `mask` (terraform's before/after_sensitive: true, or a structure of them) marks replaced. */
export function redact(value: unknown, mask: unknown, secrets: readonly string[]): unknown {
  if (mask === true) return value === null || value === undefined ? value : REDACTED;
  if (typeof value === 'string') return maskSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((v, i) => redact(v, Array.isArray(mask) ? mask[i] : undefined, secrets));
  if (value && typeof value === 'object') {
    const m = mask && typeof mask === 'object' ? (mask as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, m[k], secrets)]));
  }
  return value;
}

const actionOf = (actions: string[], importing: unknown): string => {
  if (actions.includes('delete') && actions.includes('create')) return 'replace';
  for (const a of ['create', 'delete', 'update', 'read']) if (actions.includes(a)) return a;
  return importing ? 'import' : 'no-op';
};

interface ShowJson {
  resource_changes?: {
    address?: string;
    module_address?: string;
    type?: string;
    name?: string;
    change?: { actions?: string[]; before?: unknown; after?: unknown; after_unknown?: unknown; before_sensitive?: unknown; after_sensitive?: unknown; importing?: { id?: string } };
  }[];
}

/** The changes of a saved plan (`terraform show -json`), pure no-ops left out, as Terrakube's executor reports them. */
export function planChanges(showJson: string, secrets: readonly string[], status: 'planned' | 'applied'): PlanChangeView[] {
  const plan = JSON.parse(showJson) as ShowJson;
  return (plan.resource_changes ?? []).flatMap((rc) => {
    const change = rc.change ?? {};
    const actions = change.actions ?? [];
    if (actions.length === 1 && actions[0] === 'no-op' && !change.importing) return [];
    return [
      {
        address: rc.address,
        moduleAddress: rc.module_address,
        resourceType: rc.type,
        resourceName: rc.name,
        actions,
        action: actionOf(actions, change.importing),
        ...(change.importing ? { importing: { id: change.importing.id } } : {}),
        before: redact(change.before ?? null, change.before_sensitive, secrets),
        after: redact(change.after ?? null, change.after_sensitive, secrets),
        afterUnknown: change.after_unknown ?? {},
        beforeSensitive: change.before_sensitive ?? false,
        afterSensitive: change.after_sensitive ?? false,
        status,
      },
    ];
  });
}

/** `terraform output -json` as the UI lists outputs; a sensitive output's value is never included. */
export function outputs(outputJson: string, secrets: readonly string[]): OutputView[] {
  const all = JSON.parse(outputJson) as Record<string, { sensitive?: boolean; type?: unknown; value?: unknown }>;
  return Object.entries(all).map(([name, o]) => ({
    name,
    sensitive: o.sensitive === true,
    value: o.sensitive === true ? REDACTED : redact(o.value, undefined, secrets),
    type: o.type,
  }));
}
