import { liveHandler, snapshotHandler } from '../../shared/http/stream-handler';
import * as steps from '../../shared/resources/step-stream';

export const handler = liveHandler(steps.stream);
export const snapshot = snapshotHandler(steps.stream);
