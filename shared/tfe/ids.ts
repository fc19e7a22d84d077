/**
 * TFE ids of the service's records (strings without `/` or whitespace, as go-tfe requires). Each id
 * carries the keys of its record, so a request names what to read without an index:
 * - workspaces: ws-<workspace>;
 * - runs, plans, applies (a run is a job; its plan and apply are its steps): run-<organization>-<job>;
 * - state version outputs: wsout-<workspace>-<sequence>-<index of the output by name>;
 * - configuration and state versions: domain/versions.ts (cv-…, sv-…).
 * Organizations are addressed by name, as in TFE.
 */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const exact = (pattern: string) => new RegExp(`^${pattern}$`);

export const workspaceTfeId = (workspaceId: string) => `ws-${workspaceId}`;
export function parseWorkspaceTfeId(id: string): string | undefined {
  return exact(`ws-(${UUID})`).exec(id)?.[1];
}

export type Phase = 'plan' | 'apply';
export const runTfeId = (org: string, job: number) => `run-${org}-${job}`;
export const phaseTfeId = (phase: Phase, org: string, job: number) => `${phase}-${org}-${job}`;

export interface JobKey {
  organizationId: string;
  jobId: number;
}

function parseJobKey(prefix: string, id: string): JobKey | undefined {
  const m = exact(`${prefix}-(${UUID})-([1-9][0-9]{0,9})`).exec(id);
  return m ? { organizationId: m[1] as string, jobId: Number(m[2]) } : undefined;
}

export const parseRunTfeId = (id: string) => parseJobKey('run', id);
export function parsePhaseTfeId(id: string): (JobKey & { phase: Phase }) | undefined {
  for (const phase of ['plan', 'apply'] as const) {
    const key = parseJobKey(phase, id);
    if (key) return { ...key, phase };
  }
  return undefined;
}

export const outputTfeId = (workspaceId: string, sequence: number, index: number) => `wsout-${workspaceId}-${sequence}-${index}`;
export function parseOutputTfeId(id: string): { workspaceId: string; sequence: number; index: number } | undefined {
  const m = exact(`wsout-(${UUID})-([1-9][0-9]{0,9})-([0-9]{1,5})`).exec(id);
  return m ? { workspaceId: m[1] as string, sequence: Number(m[2]), index: Number(m[3]) } : undefined;
}
