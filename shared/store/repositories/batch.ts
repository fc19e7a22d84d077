/**
 * Across repositories: read records of several aggregates in one request, and execute write plans
 * (alone, or several merged into one transaction: all or nothing). What the rest of the service uses
 * besides the repositories themselves; table.ts and writes.ts stay behind this line.
 */
export { readMany, readTogether, type Ref } from '../table';
export { ConditionFailed, write as commit, type TxItem, type WritePlan } from '../writes';
