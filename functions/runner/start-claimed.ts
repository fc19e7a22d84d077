/**
 * Safety net for starting runs (DynamoDB stream on the table, filtered to workspace items): whenever a
 * workspace's activeJob changes to a job, make sure that job's execution exists. The API already starts
 * it directly; this catches a function that died between committing the hand-over and starting the run.
 * StartExecution is idempotent per job (the execution is named after it), so doing it twice is harmless.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { jobRunner } from '../../shared/jobs/runner';
import { observed } from '../../shared/observability/lambda';

export const handler = observed(async (event: DynamoDBStreamEvent): Promise<void> => {
  for (const record of event.Records) {
    const next = record.dynamodb?.NewImage;
    const before = record.dynamodb?.OldImage;
    const activeJob = next?.activeJob?.N;
    const organizationId = next?.organizationId?.S;
    if (next?.sk?.S !== 'WS' || !activeJob || !organizationId || before?.activeJob?.N === activeJob) continue;
    // Throwing makes Lambda retry the batch (then the dead-letter queue keeps it for the alarm).
    await jobRunner().start({ organizationId, jobId: Number(activeJob) });
  }
});
