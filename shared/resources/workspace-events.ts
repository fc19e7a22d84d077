/**
 * Reactions to workspace changes that concern the job queue. Unlocking a workspace lets its oldest
 * waiting job start at once (contract §4.1); the runner (issue 4) plugs in here.
 */
export async function onWorkspaceUnlocked(_orgId: string, _workspaceId: string): Promise<void> {
  // No runner yet: jobs stay pending.
}
