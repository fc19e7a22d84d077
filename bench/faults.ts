/**
 * Faults as a figure (issue 13): the fault soak of `npm test` (test/helpers/fault-soak.ts) with its own
 * schedule: `npm start` on its own data directory under a steady stream of job creations across three
 * workspaces, its DynamoDB Local SIGKILLed (the supervisor restarts it), then the whole service SIGKILLed
 * and started again. The figures: how long after DynamoDB Local died a job was accepted again (and how
 * long /healthz said 503), the same after the service died, and the share of acknowledged jobs that
 * completed.
 */
import { runFaultSoak } from '../test/helpers/fault-soak';

export interface FaultRecovery {
  /** From DynamoDB Local's SIGKILL to the first creation sent after it that answered 201. */
  dynamodbRecoveryMs: number;
  /** How long /healthz answered 503 meanwhile. */
  dynamodbHealthUnavailableMs: number;
  /** Creations answered 503 (with Retry-After) while DynamoDB Local was down. */
  dynamodb503s: number;
  /** From the service's SIGKILL to the first creation answered 201 (includes starting `npm start`). */
  serviceRecoveryMs: number;
  acknowledged: number;
  completed: number;
  failed: number;
  completedToAcknowledged: number;
  /** Answers that should never happen (500s, refused connections while the service was up): must be 0. */
  unexpected: number;
  lost: number;
  stuck: number;
}

export async function measureFaultRecovery(source: string, minAcknowledged: number, log: (line: string) => void): Promise<FaultRecovery> {
  const r = await runFaultSoak({
    source,
    workspaces: 3,
    faults: ['dynamodb', 'service'],
    steadyMs: 1000,
    minAcknowledged,
    createEveryMs: 120,
    recoverWithinMs: 120_000,
    drainWithinMs: 180_000,
    log: (line) => log(`  ${line}`),
  });
  const fault = (kind: 'dynamodb' | 'service') => r.faults.find((f) => f.kind === kind);
  return {
    dynamodbRecoveryMs: fault('dynamodb')?.recoveredMs ?? NaN,
    dynamodbHealthUnavailableMs: fault('dynamodb')?.healthUnavailableMs ?? NaN,
    dynamodb503s: fault('dynamodb')?.answered503 ?? 0,
    serviceRecoveryMs: fault('service')?.recoveredMs ?? NaN,
    acknowledged: r.acknowledged,
    completed: r.completed,
    failed: r.failed.length,
    completedToAcknowledged: r.acknowledged ? r.completed / r.acknowledged : 0,
    unexpected: r.unexpected.length + r.overlaps.length + r.lockCollisions,
    lost: r.missing.length,
    stuck: r.notEnded.length,
  };
}
