/**
 * The executor's command line, spawned by the runner for one step (locally with node, in AWS as
 * the CodeBuild build). Environment:
 *   TK_CONTEXT          URL of the step context (JSON; deleted as soon as it is read: it holds secrets)
 *   TK_CONTEXT_DISPOSE  URL that deletes the context's version for good
 * Every ref of the context is a URL minted for this step (issue 20): the executor holds no storage
 * credentials and reaches nothing but its step's objects.
 *   TK_RESULT_FILE      where to write the ExecutorResult as JSON
 *   TK_RESULT_ENV       where to write the result as shell `KEY='value'` lines (CodeBuild exports them)
 *   TK_WORK_ROOT        where the step's work directory is created (default: the OS temp dir)
 *   TK_KILL_GRACE_MS    time between SIGINT and SIGKILL for a stopped child (default 10000)
 *   TK_STOP_POLL_MS     how often the step context's stop request is looked for (default 3000)
 *   TK_LOG_INTERVAL_MS  how often the step log object is rewritten while the step runs (default 5000)
 * Exits 0 whenever it produced a result (the step's own outcome is in the result); 1 when the
 * executor itself failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { urlArtifacts } from './artifacts';
import { toExported, type ExecutorContext, type ExecutorResult } from '../shared/runs/executor-contract';
import { maskSecrets, urlLogSink } from './log-sink';
import { runStep } from './run-step';
import { watchStopRequest } from './stop-request';

/** Secrets known so far, so that even a crash report cannot print one. */
let knownSecrets: string[] = [];

function readContext(text: string): ExecutorContext {
  let ctx: ExecutorContext;
  try {
    ctx = JSON.parse(text) as ExecutorContext;
  } catch {
    throw new Error('the step context is not valid JSON'); // the parser's message quotes the text
  }
  if (!ctx || typeof ctx !== 'object' || typeof ctx.source !== 'string' || typeof ctx.log !== 'string') {
    throw new Error('the step context is not valid');
  }
  knownSecrets = Array.isArray(ctx.secrets) ? ctx.secrets : [];
  return { ...ctx, env: ctx.env ?? {}, terraformVars: ctx.terraformVars ?? {}, commands: ctx.commands ?? [], secrets: knownSecrets };
}

/** A POSIX shell single-quoted word: safe to `source` whatever the value contains. */
const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

function writeResult(result: ExecutorResult): void {
  const file = process.env.TK_RESULT_FILE;
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(result)}\n`, { mode: 0o600 });
  }
  const envFile = process.env.TK_RESULT_ENV;
  if (envFile) {
    mkdirSync(dirname(envFile), { recursive: true });
    const lines = toExported(result).map(({ Name, Value }) => `${Name}=${shellQuote(Value)}\n`);
    writeFileSync(envFile, lines.join(''), { mode: 0o600 });
  }
}

async function main(): Promise<void> {
  const contextRef = process.env.TK_CONTEXT;
  if (!contextRef) throw new Error('TK_CONTEXT is not set');
  const artifacts = urlArtifacts();

  const text = await artifacts.readText(contextRef);
  if (text === undefined) throw new Error('the step context does not exist');
  if (process.env.TK_CONTEXT_DISPOSE) await artifacts.remove(process.env.TK_CONTEXT_DISPOSE);
  const ctx = readContext(text);

  const logInterval = Number(process.env.TK_LOG_INTERVAL_MS);
  const log = urlLogSink({ url: ctx.log, artifacts, secrets: ctx.secrets, ...(logInterval > 0 ? { intervalMs: logInterval } : {}) });
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => abort.abort());
  // A cancel in AWS: the step is stopped as on SIGINT once its stop request appears.
  const pollMs = Number(process.env.TK_STOP_POLL_MS);
  const stopWatch = ctx.stop ? watchStopRequest(artifacts, ctx.stop, () => abort.abort(), Number.isFinite(pollMs) && pollMs > 0 ? pollMs : 3000) : undefined;
  await stopWatch?.check();

  const graceMs = Number(process.env.TK_KILL_GRACE_MS);
  const result = await runStep(ctx, {
    log,
    artifacts,
    signal: abort.signal,
    workRoot: process.env.TK_WORK_ROOT || tmpdir(),
    environment: process.env,
    killGraceMs: Number.isFinite(graceMs) && graceMs >= 0 && process.env.TK_KILL_GRACE_MS ? graceMs : 10_000,
  });
  stopWatch?.dispose();
  try {
    await log.close();
  } catch (error) {
    // The result still stands; only (part of) the log is lost.
    process.stderr.write(`saving the step log failed: ${maskSecrets(String(error), knownSecrets)}\n`);
  }
  writeResult(result);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`executor failed: ${maskSecrets(detail, knownSecrets)}\n`);
    process.exit(1);
  },
);
