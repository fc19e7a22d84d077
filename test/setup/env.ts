/** Per test file: the AWS SDK points at the shared DynamoDB Local, with a table name of its own. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { localAwsEnvironment } from '../../local/config';

localAwsEnvironment();
process.env.AWS_ENDPOINT_URL_DYNAMODB = inject('dynamoDbEndpoint');
process.env.TABLE_NAME = `test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
process.env.TERRAKUBE_PAT_SECRET = 'test-signing-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
process.env.TERRAKUBE_MODE = 'local';
process.env.TERRAKUBE_ADMIN_GROUP = 'TERRAKUBE_ADMIN';
// Logs, plans and state of this file's runs (tests using an engine replace it).
process.env.TERRAKUBE_FILES_DIR = mkdtempSync(join(tmpdir(), 'terrakube-files-'));
