/**
 * `npm run token -- --email a@b.c --groups TERRAKUBE_ADMIN[,OTHER] [--days 30]`: prints a personal
 * access token signed with TERRAKUBE_PAT_SECRET, or with the secret `npm start` keeps in the data dir.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { issuePersonalAccessToken } from '../shared/auth/tokens';
import { defaultDataDir, readPatSecret } from '../local/config';

const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    groups: { type: 'string', multiple: true },
    days: { type: 'string', default: '30' },
    help: { type: 'boolean', short: 'h' },
  },
});

const usage = 'usage: npm run token -- --email you@example.com --groups TERRAKUBE_ADMIN[,GROUP2] [--days 30]';
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (!values.email || !values.groups?.length) {
  console.error(usage);
  process.exit(2);
}
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1 || days > 3650) {
  console.error('--days must be a whole number from 1 to 3650');
  process.exit(2);
}
const dataDir = defaultDataDir() === 'memory' ? undefined : resolve(defaultDataDir());
const secret = readPatSecret(dataDir);
if (!secret) {
  console.error('No signing secret: set TERRAKUBE_PAT_SECRET, or run `npm start` once so it creates one in the data dir.');
  process.exit(1);
}
const groups = values.groups.flatMap((g) => g.split(',')).map((g) => g.trim()).filter(Boolean);
console.log(await issuePersonalAccessToken({ email: values.email, groups }, secret, days));
