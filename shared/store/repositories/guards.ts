/** Errors of the conditions repositories write with, in the service's words. */
import { Conflict, attribute } from '../../domain/errors';
import type { Key } from '../keys';
import { guard, type TxItem } from '../writes';

/** What a name guard item holds besides its key: the id of the item whose name it is. */
export interface NameGuardRecord {
  owner: string;
}

/** A uniqueness guard for a name (written with the item it protects; fails with 409 naming it). */
export const nameGuard = (key: Key, owner: string, what: string): TxItem => guard(key, owner, () => new Conflict(`${what} already exists`, attribute('name')));

/** An update conditional on what was read lost a race. */
export const changedMeanwhile = (noun: string) => () => new Conflict(`the ${noun} changed while it was being updated; retry`);

/** A condition on an attribute keeping the value that was read (the name a guard protects …). */
export const unchanged = (attributes: Record<string, unknown>) => {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const parts = Object.entries(attributes).map(([name, value], i) => {
    names[`#u${i}`] = name;
    values[`:u${i}`] = value;
    return `#u${i} = :u${i}`;
  });
  return { expression: ['attribute_exists(pk)', ...parts].join(' AND '), names, values };
};
