/**
 * Measures DynamoDB request units for the cost model: a middleware on the service's own client asks
 * every request for ReturnConsumedCapacity=INDEXES and adds up what DynamoDB Local (AWS's emulator,
 * which applies the on-demand rules: 4 KB reads, 1 KB writes, transactions ×2, GSI writes) reports.
 * Installed only while measuring; the service code is untouched.
 */
import { documentClient } from '../shared/wiring';

const NAME = 'benchConsumedCapacity';
/** Command names as the low-level client's middleware sees them (the document client wraps these). */
const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand', 'TransactGetItemsCommand']);

export interface Capacity {
  /** Read request units (table). */
  rru: number;
  /** Write request units: table and GSIs together. */
  wru: number;
  /** Of wru, the part written to the GSIs. */
  gsiWru: number;
  requests: number;
  byCommand: Record<string, { requests: number; units: number }>;
}

export const emptyCapacity = (): Capacity => ({ rru: 0, wru: 0, gsiWru: 0, requests: 0, byCommand: {} });

let current: Capacity | undefined;

interface Consumed {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

function add(command: string, consumed: Consumed[] | Consumed | undefined): void {
  if (!current) return;
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  const units = list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  const gsi = list.reduce((sum, c) => sum + Object.values(c.GlobalSecondaryIndexes ?? {}).reduce((s, i) => s + (i.CapacityUnits ?? 0), 0), 0);
  if (READS.has(command)) current.rru += units;
  else {
    current.wru += units;
    current.gsiWru += gsi;
  }
  current.requests += 1;
  const entry = (current.byCommand[command] ??= { requests: 0, units: 0 });
  entry.requests += 1;
  entry.units += units;
}

export function installCapacityMeter(): void {
  const stack = documentClient().middlewareStack;
  stack.remove(NAME);
  stack.add(
    (next, context) => async (args) => {
      if (!current) return next(args);
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      add(context.commandName ?? 'unknown', (result.output as { ConsumedCapacity?: Consumed[] | Consumed }).ConsumedCapacity);
      return result;
    },
    { step: 'initialize', name: NAME },
  );
}

export function removeCapacityMeter(): void {
  documentClient().middlewareStack.remove(NAME);
}

/** Runs `action` with the meter on and returns what its requests consumed. */
export async function measureCapacity(action: () => Promise<unknown>): Promise<Capacity> {
  current = emptyCapacity();
  try {
    await action();
    return current;
  } finally {
    current = undefined;
  }
}
