/** The status changes a client may ask for (contract §3.2), as pure rules. */
import { describe, expect, it } from 'vitest';
import {
  ACTIVE_JOB_STATUSES,
  JOB_STATUSES,
  REQUESTABLE_STATUSES,
  TERMINAL_JOB_STATUSES,
  isTerminal,
  transitionRefusal,
  type JobStatus,
} from '../../shared/domain/job-status';

const ENDED: JobStatus[] = ['completed', 'rejected', 'cancelled', 'failed'];
const LIVE: JobStatus[] = ['pending', 'queue', 'running', 'waitingApproval', 'approved'];

describe('job statuses', () => {
  it('splits every status into ended and live, and nothing else', () => {
    expect([...TERMINAL_JOB_STATUSES].sort()).toEqual([...ENDED].sort());
    expect([...ACTIVE_JOB_STATUSES].sort()).toEqual([...LIVE].sort());
    expect(ENDED.length + LIVE.length).toBe(JOB_STATUSES.length);
    for (const s of ENDED) expect(isTerminal(s)).toBe(true);
    for (const s of LIVE) expect(isTerminal(s)).toBe(false);
  });

  it('lets a client approve or reject only a job waiting for approval', () => {
    for (const to of ['approved', 'rejected'] as const) {
      expect(transitionRefusal('waitingApproval', to)).toBeUndefined();
      for (const from of JOB_STATUSES.filter((s) => s !== 'waitingApproval')) {
        expect(transitionRefusal(from, to)).toBe(`a job can be ${to} only while it is waitingApproval; it is ${from}`);
      }
    }
  });

  it('lets a client cancel any job that has not ended', () => {
    for (const from of LIVE) expect(transitionRefusal(from, 'cancelled')).toBeUndefined();
    for (const from of ENDED) expect(transitionRefusal(from, 'cancelled')).toBe(`the job already ended (${from})`);
  });

  it('refuses every status the service sets itself', () => {
    const serviceSet = JOB_STATUSES.filter((s) => !(REQUESTABLE_STATUSES as readonly string[]).includes(s));
    expect(serviceSet.sort()).toEqual(['completed', 'failed', 'pending', 'queue', 'running', 'waitingApproval']);
    for (const to of serviceSet)
      for (const from of JOB_STATUSES) expect(transitionRefusal(from, to)).toBe(`status '${to}' is set by the service, not by a client`);
  });
});
