/**
 * The live status feed as it runs in AWS: the WebSocket API's $connect/$default/$disconnect functions
 * (their real handler modules) speaking graphql-ws with the connections and subscriptions in the table
 * (DynamoDB Local), and the fan-out fed the stream records of a real job's writes. The sockets are the
 * only stand-in: they record what the management API would have been asked to send.
 */
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as connect } from '../../functions/live/connect';
import { handler as disconnect } from '../../functions/live/disconnect';
import { handler as message } from '../../functions/live/message';
import { keys } from '../../shared/store/keys';
import { getItem } from '../../shared/store/table';
import { readPartition } from '../../shared/store/table';
import { partitions } from '../../shared/store/keys';
import { fanOut, jobStatusChanges, type LiveSockets } from '../../shared/subscriptions/gateway';
import { useLiveSockets } from '../../shared/wiring';
import { adminToken, token, useTable } from '../helpers/api';
import { createJob, createOrganization, createTeam, createWorkspace } from '../helpers/fixtures';

useTable();

const sent: { connectionId: string; message: any }[] = [];
const closed: string[] = [];
const gone = new Set<string>();
const sockets: LiveSockets = {
  async post(connectionId, text) {
    if (gone.has(connectionId)) return 'gone';
    sent.push({ connectionId, message: JSON.parse(text) });
    return 'sent';
  },
  async close(connectionId) {
    closed.push(connectionId);
  },
};
const to = (connectionId: string) => sent.filter((s) => s.connectionId === connectionId).map((s) => s.message);

const event = (connectionId: string, body?: unknown, headers: Record<string, string> = {}) =>
  ({ requestContext: { connectionId, domainName: 'abc.execute-api.eu-west-1.amazonaws.com', stage: 'live' }, headers, body: body === undefined ? undefined : JSON.stringify(body) }) as unknown as APIGatewayProxyWebsocketEventV2;
const open = async (connectionId: string, tok: string) => {
  expect(await connect(event(connectionId, undefined, { 'Sec-WebSocket-Protocol': 'graphql-transport-ws' }))).toMatchObject({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'graphql-transport-ws' } });
  await message(event(connectionId, { type: 'connection_init', payload: { Authorization: `Bearer ${tok}` } }));
};
const FEED = 'subscription OnJobStatusChanged($workspaceId: ID!) { jobStatusChanged(workspaceId: $workspaceId) { jobId workspaceId status } }';
const ORG_FEED = 'subscription($organizationId: ID!) { organizationJobStatusChanged(organizationId: $organizationId) { status } }';

let admin: string;
let dev: string;
let outsider: string;
let org: string;
let ws: string;
beforeAll(async () => {
  useLiveSockets(() => sockets);
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'LIVE_DEVS', { manageWorkspace: true, manageJob: true });
  dev = await token('dev@example.com', ['LIVE_DEVS']);
  outsider = await token('eve@example.com', ['NOBODY']);
  ws = await createWorkspace(admin, org);
});
afterAll(() => useLiveSockets(undefined));

/** The stream record DynamoDB writes for a job item going from `before` to its current image. */
async function streamRecord(jobId: number, before?: Record<string, unknown>) {
  const item = await getItem(keys.job(org, jobId));
  return { eventName: before ? 'MODIFY' : 'INSERT', dynamodb: { Keys: marshall(keys.job(org, jobId)), NewImage: marshall(item!, { removeUndefinedValues: true }), ...(before ? { OldImage: marshall(before, { removeUndefinedValues: true }) } : {}) } };
}

describe('graphql-ws over the WebSocket API', () => {
  it('acks a valid token, keeps the subscription in the table, and pushes a job status change the stream carries', async () => {
    await open('c-dev', dev);
    expect(to('c-dev')).toEqual([{ type: 'connection_ack' }]);
    await message(event('c-dev', { id: 's1', type: 'subscribe', payload: { query: FEED, variables: { workspaceId: ws } } }));
    await message(event('c-dev', { id: 's2', type: 'subscribe', payload: { query: ORG_FEED, variables: { organizationId: org } } }));
    await message(event('c-dev', { type: 'ping' }));
    expect(to('c-dev').at(-1)).toEqual({ type: 'pong' });

    const job = Number(await createJob(dev, org, ws));
    const changes = jobStatusChanges([await streamRecord(job)] as never);
    expect(changes).toEqual([{ organizationId: org, workspaceId: ws, jobId: job, status: 'pending' }]);
    await fanOut(changes, sockets);
    expect(to('c-dev').slice(-2).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 's1', type: 'next', payload: { data: { jobStatusChanged: { jobId: job, workspaceId: ws, status: 'pending' } } } },
      { id: 's2', type: 'next', payload: { data: { organizationJobStatusChanged: { status: 'pending' } } } },
    ]);
    // A write that leaves the status as it was is no change; a change of another item is none either.
    const item = (await getItem(keys.job(org, job)))!;
    expect(jobStatusChanges([await streamRecord(job, item)] as never)).toEqual([]);
    expect(jobStatusChanges([await streamRecord(job, { ...item, status: 'queue' })] as never)).toEqual([{ organizationId: org, workspaceId: ws, jobId: job, status: 'pending' }]);

    await message(event('c-dev', { id: 's1', type: 'complete' }));
    await fanOut(changes, sockets);
    expect(to('c-dev').at(-1)).toEqual({ id: 's2', type: 'next', payload: { data: { organizationJobStatusChanged: { status: 'pending' } } } });
    expect(to('c-dev').at(-2).id).toBe('s2');
  });

  it('refuses a bad token and a subscribe before connection_ack by dropping the connection; an outsider gets an error result', async () => {
    await open('c-bad', 'not-a-token');
    expect(closed).toContain('c-bad');
    expect(await getItem(keys.liveConnection('c-bad'))).toBeUndefined();
    expect(to('c-bad')).toEqual([]);

    await connect(event('c-early', undefined, { 'sec-websocket-protocol': 'graphql-transport-ws' }));
    await message(event('c-early', { id: 'x', type: 'subscribe', payload: { query: FEED, variables: { workspaceId: ws } } }));
    expect(closed).toContain('c-early');

    await open('c-eve', outsider);
    await message(event('c-eve', { id: 'e1', type: 'subscribe', payload: { query: FEED, variables: { workspaceId: ws } } }));
    expect(to('c-eve')).toEqual([
      { type: 'connection_ack' },
      { id: 'e1', type: 'next', payload: { errors: [expect.objectContaining({ message: `workspace ${ws} does not exist` })] } },
      { id: 'e1', type: 'complete' },
    ]);
    expect(await readPartition(partitions.liveConnection('c-eve'))).toHaveLength(1);

    await message(event('c-eve', { id: 'e2', type: 'subscribe', payload: { query: '{ live }' } }));
    expect(to('c-eve').at(-1)).toMatchObject({ id: 'e2', type: 'error' });
    expect(await connect(event('c-ws', undefined, {}))).toMatchObject({ statusCode: 400 });
  });

  it('forgets a connection on disconnect, and one the management API says is gone at the next push', async () => {
    await open('c-gone', dev);
    await message(event('c-gone', { id: 'g', type: 'subscribe', payload: { query: FEED, variables: { workspaceId: ws } } }));
    await open('c-bye', dev);
    await message(event('c-bye', { id: 'b', type: 'subscribe', payload: { query: FEED, variables: { workspaceId: ws } } }));
    await disconnect(event('c-bye'));
    expect(await readPartition(partitions.liveConnection('c-bye'))).toEqual([]);
    gone.add('c-gone');
    await fanOut([{ organizationId: org, workspaceId: ws, jobId: 1, status: 'queue' }], sockets);
    expect(await readPartition(partitions.liveConnection('c-gone'))).toEqual([]);
    expect(to('c-bye').filter((m) => m.type === 'next')).toEqual([]);
  });
});
