/**
 * The local half of the composition root (wiring.ts): the stand-ins TERRAKUBE_MODE=local runs with,
 * each built from the environment the wiring parsed. `npm start`, the tests and the bench install them
 * before anything runs; Lambda functions never import this module, so none of it (the in-process
 * webhook processing, the schedule timers that fire jobs) is in their bundles.
 */
import { aesSecretBox } from './adapters/local/aes-secret-box';
import { fileArtifactStore } from './adapters/local/file-artifact-store';
import { inProcessDeliveryQueue } from './adapters/local/in-process-delivery-queue';
import { timerScheduleTrigger } from './adapters/local/timer-schedule-trigger';
import { fileTokenSigner } from './adapters/local/file-token-signer';
import { fireSchedule } from './schedules/fire';
import { useLocalAdapters } from './wiring';
import { join } from 'node:path';

export function installLocalAdapters(): void {
  useLocalAdapters({
    artifacts: (env) => fileArtifactStore(env.require('TERRAKUBE_FILES_DIR'), env.require('TERRAKUBE_PAT_SECRET')),
    secrets: (env) => aesSecretBox(env.require('TERRAKUBE_PAT_SECRET')),
    deliveries: () => inProcessDeliveryQueue(),
    schedules: () => timerScheduleTrigger((scheduleId, at) => fireSchedule({ scheduleId, fireTime: at.toISOString() })),
    signer: (env) => fileTokenSigner(join(env.require('TERRAKUBE_FILES_DIR'), 'keys', 'workload-identity.pem')),
  });
}
