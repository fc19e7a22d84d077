import { tfeHandler } from '../../shared/tfe/http';
import { cancelRun } from '../../shared/tfe/runs';

// force-cancel stops the run as a cancel does: the executor interrupts terraform, then kills it.
export const handler = tfeHandler(cancelRun, { body: 'optional' });
