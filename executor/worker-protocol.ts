/** Messages between the local engine's executor pool and a warm executor process (over Node's IPC channel). */
import type { ExecutorResult } from '../shared/runs/executor-contract';

export type WorkerRequest =
  /** Run one step: the variables a CodeBuild build would get (TK_CONTEXT, TK_JOB_DIR …). */
  | { type: 'run'; env: Record<string, string> }
  /** Exit when idle (the pool has enough warm processes). */
  | { type: 'exit' }
  /** The run has recorded the step's result: what follows it (the structured view) may run now without slowing the run. */
  | { type: 'proceed'; step?: string };

export type WorkerReply =
  /** Booted and waiting for a step. */
  | { type: 'ready' }
  | { type: 'result'; result: ExecutorResult }
  /** The step handed over ended and the chained step after it (TK_NEXT_CONTEXT) starts now: the first step's result. */
  | { type: 'boundary'; result: ExecutorResult }
  /** Done with everything after the result (the structured view): ready for the next step. */
  | { type: 'free' }
  /** The executor itself failed (no result); the process exits after this. */
  | { type: 'failed'; message: string };
