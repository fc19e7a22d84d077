/**
 * What `npm start` knows about the health of what it depends on (today: its DynamoDB Local, watched by
 * local/dynamodb-supervisor.ts). The gateway reads it: while a dependency is down it takes no writes and
 * /healthz answers 503.
 */
const down = new Map<string, number>();

export function reportDependency(name: string, up: boolean): void {
  if (up) down.delete(name);
  else if (!down.has(name)) down.set(name, Date.now());
}

/** The dependencies that are down, with the time each went down. */
export function downDependencies(): { name: string; since: number }[] {
  return [...down].map(([name, since]) => ({ name, since }));
}

/** Tests. */
export function resetDependencies(): void {
  down.clear();
}
