/** State machine task Advance: record the last step's result, pick the next action (a plan's apply chained to its build when it fits). */
import { advance } from '../../shared/run-tasks/advance';
import { codeBuildChain } from '../../shared/run-tasks/chained-step';
import { taskHandler } from '../../shared/run-tasks/handlers';
import type { RunState } from '../../shared/runs/run-state';

export const handler = taskHandler((state: RunState) => advance(state, codeBuildChain()));
