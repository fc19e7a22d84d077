/**
 * A per-key lock within this process: tasks with the same key run one after another, in call order.
 * Job creations of one organization take it (through group-commit.ts) so that, in one process (the local
 * server, a busy Lambda container), they reserve and commit ids in turn — those that queued meanwhile
 * together — instead of waiting on each other through DynamoDB; across processes the commit watermark
 * (commit-watermark.ts) still orders them.
 */
const tails = new Map<string, Promise<unknown>>();

export function withKeyLock<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return run;
}
