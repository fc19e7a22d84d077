/**
 * Live step logs over SSE (issue 12 item 8), as the Terrakube UI reads them (LiveTerminalOutput:
 * fetch with a bearer token, `data:` lines, `id:` kept for a reconnect with Last-Event-ID): the real
 * engine runs a customScripts step that prints lines slowly, the local server streams its log over
 * HTTP, and eventsource-parser reads it as EventSource clients do.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../local/server';
import { adminToken, call, token, useTable } from '../helpers/api';
import { createOrganization, createTeam, createWorkspace, postJob } from '../helpers/fixtures';
import { ended, gitRepo, readJob, scriptJob, useEngine, waitForJob } from '../helpers/engine';
import { readEventStream } from '../helpers/sse';

useTable();
useEngine();
let server: Awaited<ReturnType<typeof startHttpServer>>;
let admin: string;
let reader: string;
let outsider: string;
let org: string;
let ws: string;
/** The job and step of the first test, ended by the next. */
let ran: { job: string; step: string };

const LINES = 5;
/**
 * Prints two lines, then waits (up to 20 s) for the test to open `gate`, then prints the rest: the test
 * opens it only once the readers received the first two lines, so they can only have come live.
 */
const gated = (gate: string) =>
  `echo line-1; echo line-2; i=0; while [ ! -f ${gate} ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; for i in $(seq 3 ${LINES}); do echo line-$i; done`;
const streamUrl = (job: string, step: string, organization = org) => `${server.url}/tfoutput/v1/organization/${organization}/job/${job}/step/${step}/stream`;
const logOf = async (job: string, step: string) => (await call('GET', `/tfoutput/v1/organization/${org}/job/${job}/step/${step}`, { token: reader })).text;
const dataOf = (events: { data: string }[]) => events.map((e) => e.data);

async function runningStep(attributes: Record<string, unknown>): Promise<{ job: string; step: string }> {
  const res = await postJob(admin, org, ws, attributes);
  expect(res.status, res.text).toBe(201);
  const job = res.body.data.id as string;
  const { steps } = await waitForJob(reader, org, job, (j) => j.attributes.status === 'running' || ended(j));
  return { job, step: steps[0]?.id as string };
}

beforeAll(async () => {
  admin = await adminToken();
  org = await createOrganization(admin);
  await createTeam(admin, org, 'READERS');
  reader = await token('reader@example.com', ['READERS']);
  outsider = await token('outsider@example.com', ['ELSEWHERE']);
  ws = await createWorkspace(admin, org, { source: gitRepo({ 'main.tf': '' }).path });
  server = await startHttpServer(0, '127.0.0.1');
});
afterAll(() => server?.close());

describe('live step logs over SSE', () => {
  it('streams a running step line by line, resumes after Last-Event-ID, and closes when the step ends', async () => {
    const gate = join(mkdtempSync(join(tmpdir(), 'sse-gate-')), 'open');
    const { job, step } = (ran = await runningStep(scriptJob(gated(gate))));
    const snapshotPath = `/tfoutput/v1/organization/${org}/job/${job}/step/${step}/stream`;
    // One reader follows from the start; another leaves after two lines and comes back with Last-Event-ID.
    let wholeHasTwo: () => void = () => undefined;
    const twoLines = new Promise<void>((r) => (wholeHasTwo = r));
    const wholeRead = readEventStream(streamUrl(job, step), { token: reader, onEvent: (e) => e.data === 'line-2' && wholeHasTwo() });
    const first = await readEventStream(streamUrl(job, step), { token: reader, until: (events) => events.some((e) => e.data === 'line-2') });
    await twoLines;
    // Behind API Gateway (which cannot stream): what there is now, and retry: so EventSource reads on.
    const snapshot = await call('GET', snapshotPath, { token: reader });
    // Both readers have the first lines while the step still waits at its gate: they came live.
    expect((await readJob(reader, org, job)).steps[0]?.attributes.status).toBe('running');
    const opened = Date.now();
    writeFileSync(gate, '');
    const whole = await wholeRead;
    const resumedFrom = first.events.at(-1)?.id as string;
    const rest = await readEventStream(streamUrl(job, step), { token: reader, lastEventId: resumedFrom });

    expect(whole).toMatchObject({ status: 200, closed: true });
    expect(whole.contentType).toBe('text/event-stream; charset=utf-8');
    // Every line of the log, in order, one event each, and nothing else.
    const log = await logOf(job, step);
    expect(dataOf(whole.events)).toEqual(log.replace(/\n$/, '').split('\n'));
    expect(dataOf(whole.events)).toEqual(expect.arrayContaining(Array.from({ length: LINES }, (_, i) => `line-${i + 1}`)));
    // Each id is the byte offset just past its line.
    expect(whole.events.map((e) => Number(e.id))).toEqual(
      whole.events.map((_, i) =>
        Buffer.byteLength(
          `${log
            .split('\n')
            .slice(0, i + 1)
            .join('\n')}\n`,
        ),
      ),
    );
    // Live: the first lines before the gate opened, the rest after.
    const at = (data: string) => whole.events.find((e) => e.data === data)?.at as number;
    expect(at('line-2')).toBeLessThanOrEqual(opened);
    expect(at('line-3')).toBeGreaterThanOrEqual(opened);
    // The stream closed because the step ended.
    const { steps } = await readJob(reader, org, job);
    expect(steps[0]?.attributes.status).toBe('completed');
    expect(whole.retry).toBeUndefined();

    // The reader that left, then came back: no line lost, none twice.
    expect(first.closed).toBe(false);
    expect(rest).toMatchObject({ status: 200, closed: true });
    expect([...dataOf(first.events), ...dataOf(rest.events)]).toEqual(dataOf(whole.events));
    // A client that reconnects after the end gets what follows its id, then the close.
    const tail = await readEventStream(streamUrl(job, step), { token: reader, lastEventId: whole.events.at(-3)?.id });
    expect(dataOf(tail.events)).toEqual(dataOf(whole.events.slice(-2)));

    // The snapshot taken mid-run ended with retry:; read on from its last id, the rest comes, and no retry: once the step ended.
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(snapshot.text).toMatch(/\nretry: 1000\n/);
    const last = snapshot.text
      .match(/^id: (\d+)$/gm)
      ?.at(-1)
      ?.slice(4);
    const after = await call('GET', snapshotPath, { token: reader, headers: { 'last-event-id': last ?? '0' } });
    expect(after.text).toContain(`data: line-${LINES}\n`);
    expect(after.text).not.toContain('retry:');
  });

  it('refuses like the plain log: 401 without a valid token, 404 for outsiders and unknown steps', async () => {
    const { job, step } = ran;
    const refused = async (url: string, tok?: string) => {
      const res = await readEventStream(url, { token: tok });
      const errors = JSON.parse(res.text ?? '{}').errors as { status: string; detail: string }[];
      return { status: res.status, contentType: res.contentType, error: errors[0] };
    };
    expect(await refused(streamUrl(job, step))).toMatchObject({ status: 401, contentType: 'application/vnd.api+json', error: { status: '401' } });
    expect(await refused(streamUrl(job, step), 'not-a-token')).toMatchObject({ status: 401 });
    expect(await refused(streamUrl(job, step), outsider)).toMatchObject({ status: 404, error: { status: '404' } });
    expect(await refused(streamUrl(job, crypto.randomUUID()), reader)).toMatchObject({ status: 404 });
    expect(await refused(streamUrl('999999', step), reader)).toMatchObject({ status: 404 });
    expect(await refused(streamUrl(job, step, crypto.randomUUID()), admin)).toMatchObject({ status: 404 });
  });
});
