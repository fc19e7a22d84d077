/**
 * Writes planned but not yet sent, visible to the reads of the same request: JSON:API atomic operations
 * plan each operation after the ones before it, and an operation may name what an earlier one creates
 * (a rule of the webhook added just before). Key reads (table.ts getItem, batchGet) look here first.
 * Queries do not: no operation's plan lists a collection.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Key } from './keys';
import { applyUpdate } from './merge-plans';
import type { Item } from './table';
import type { TxItem } from './writes';

const pending = new AsyncLocalStorage<Map<string, Item | null>>();
const keyString = (k: Key) => `${k.pk}\u0000${k.sk}`;

/** Runs `work` with an overlay of its own. */
export const withOverlay = <T>(work: () => Promise<T>): Promise<T> => pending.run(new Map(), work);

/** What the overlay holds for a key: the item, null (deleted), or undefined (not written here: read the table). */
export function overlaid(key: Key): Item | null | undefined {
  return pending.getStore()?.get(keyString(key));
}

/** Makes a plan's writes visible to the reads that follow (an update only of what the overlay holds). */
export function recordPlanned(items: readonly TxItem[]): void {
  const store = pending.getStore();
  if (!store) return;
  for (const { item } of items) {
    if (item.Put) store.set(keyString(item.Put.Item as unknown as Key), structuredClone(item.Put.Item));
    else if (item.Delete) store.set(keyString(item.Delete.Key), null);
    else if (item.Update) {
      const current = store.get(keyString(item.Update.Key));
      if (current) {
        try {
          store.set(keyString(item.Update.Key), applyUpdate(current, item.Update));
        } catch {
          // An update the overlay cannot follow: later reads see the item as the table has it.
          store.delete(keyString(item.Update.Key));
        }
      }
    }
  }
}
