/** Where a step's log is read: the API path a step's `output` holds once its run dispatched it (contract §2). */
export const stepLogPath = (job: { organizationId: string; id: number }, stepId: string) =>
  `/tfoutput/v1/organization/${job.organizationId}/job/${job.id}/step/${stepId}`;
