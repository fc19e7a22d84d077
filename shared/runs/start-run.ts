/**
 * Starting the run of a job that became active. A failure here is not the caller's failure: the job is
 * already active, and the safety net (the table stream in AWS, reconciliation locally) starts it.
 */
import { logger } from '../logger';
import type { CreatedRun, RunRef } from '../ports/run-control';
import { runStarter } from '../wiring';

export async function startRun(run: RunRef, created?: CreatedRun): Promise<void> {
  try {
    await runStarter().start(run, created);
  } catch (error) {
    logger.error('could not start a job run now; the safety net will', { ...run, error });
  }
}
