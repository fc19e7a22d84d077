/**
 * Per test file: the environment of the local role (shared/env.ts LocalEnv), the AWS SDK pointed at
 * the shared DynamoDB Local (when the run has one: the unit lane has none), a table name of its own,
 * and no job runs unless the file registers an engine or a run control of its own (an engine also
 * registers the object server its executors reach their grants through).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { localAwsEnvironment } from '../../local/config';
import { useExecutorObjectsUrl, useRunControl } from '../../shared/wiring';
import { installLocalAdapters } from '../../shared/wiring-local';
import { noRuns } from '../helpers/runs';

localAwsEnvironment();
const endpoint = inject('dynamoDbEndpoint');
if (endpoint) process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
process.env.TABLE_NAME = `test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
process.env.TERRAKUBE_PAT_SECRET = 'test-signing-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
process.env.TERRAKUBE_MODE = 'local';
process.env.TERRAKUBE_ADMIN_GROUP = 'TERRAKUBE_ADMIN';
// Logs, plans and state of this file's runs (tests using an engine replace it).
process.env.TERRAKUBE_FILES_DIR = mkdtempSync(join(tmpdir(), 'terrakube-files-'));
installLocalAdapters();
useRunControl(noRuns);
// Files that drive Advance without an engine still get step grants minted; no executor follows them.
useExecutorObjectsUrl('http://127.0.0.1:9');
