/**
 * Where a step's log goes: its log object through the step's upload URL (fileLogSink: the executor's
 * tests), with sensitive values masked
 * before anything leaves the process. Output arrives in arbitrary chunks, so a secret can be split
 * across two writes; the masking layer holds back a tail that could begin a secret until it can tell.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Artifacts } from './artifacts';

export interface LogSink {
  write(text: string): void;
  /** Writes out anything held back and persists what was written so far. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const MASK = '***';
/** Shorter values would mask ordinary words and numbers all over the log. */
const MIN_SECRET_LENGTH = 4;

/** The secrets worth masking, longest first (so a secret containing another is masked whole). */
function maskable(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

/**
 * Masks every secret in `text` that starts before `stopAt`; returns the masked text up to there and
 * the unexamined rest. Callers make sure no secret starting before `stopAt` is cut off by the end
 * of `text` (see partialSecretStart).
 */
function maskUpTo(text: string, sorted: readonly string[], stopAt: number): { done: string; rest: string } {
  let done = '';
  let at = 0;
  for (;;) {
    let found = -1;
    let foundLength = 0;
    for (const secret of sorted) {
      const index = text.indexOf(secret, at);
      if (index !== -1 && (found === -1 || index < found)) {
        found = index;
        foundLength = secret.length;
      }
    }
    if (found === -1 || found >= stopAt) {
      const end = Math.max(at, stopAt);
      return { done: done + text.slice(at, end), rest: text.slice(end) };
    }
    done += text.slice(at, found) + MASK;
    at = found + foundLength;
  }
}

/**
 * Where the tail of `text` that could be the beginning of a secret starts (text.length if none).
 * That tail is at most the longest secret minus one character; only it is held back, so output
 * that cannot be a secret reaches the log at once and lines of stdout and stderr stay whole.
 */
function partialSecretStart(text: string, sorted: readonly string[]): number {
  let start = text.length;
  for (const secret of sorted) {
    const from = Math.max(0, text.length - (secret.length - 1));
    for (let i = text.indexOf(secret[0]!, from); i !== -1 && i < start; i = text.indexOf(secret[0]!, i + 1)) {
      if (secret.startsWith(text.slice(i))) {
        start = i;
        break;
      }
    }
  }
  return start;
}

/** Replaces every occurrence of each secret (of 4 characters or more) with `***`. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const sorted = maskable(secrets);
  return sorted.length === 0 ? text : maskUpTo(text, sorted, text.length).done;
}

/** Wraps a raw sink so that secrets never reach it, even when split across writes. */
export function maskingSink(inner: LogSink, secrets: readonly string[]): LogSink {
  const sorted = maskable(secrets);
  let pending = '';
  const drain = () => {
    const { done } = maskUpTo(pending, sorted, pending.length);
    pending = '';
    if (done) inner.write(done);
  };
  return {
    write(text) {
      if (!text) return;
      pending += text;
      const { done, rest } = maskUpTo(pending, sorted, partialSecretStart(pending, sorted));
      pending = rest;
      if (done) inner.write(done);
    },
    async flush() {
      drain();
      await inner.flush();
    },
    async close() {
      drain();
      await inner.close();
    },
  };
}

/** Appends to a file as output arrives, so a reader sees the log grow while the step runs. */
export function fileLogSink(path: string, secrets: readonly string[]): LogSink {
  mkdirSync(dirname(path), { recursive: true });
  let fd: number | undefined = openSync(path, 'a', 0o600);
  const raw: LogSink = {
    write(text) {
      if (fd !== undefined) writeSync(fd, text);
    },
    async flush() {},
    async close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
  return maskingSink(raw, secrets);
}

export interface UrlLogSinkOptions {
  /** The step log's upload URL (one PUT URL for this step's log object). */
  url: string;
  artifacts: Pick<Artifacts, 'write'>;
  secrets: readonly string[];
  /** How often the object is rewritten while the step runs. */
  intervalMs?: number;
}

/**
 * An object cannot be appended to, so the whole log is kept in memory and the object rewritten every
 * interval (when something changed) and on flush/close, through the step's one upload URL. Uploads are
 * serialised so an older text can never overwrite a newer one. (In a versioned bucket each rewrite
 * leaves a noncurrent version; the step holds no right to delete them, so the bucket's lifecycle rule
 * for logs/ expires them after a day.)
 */
export function urlLogSink({ url, artifacts, secrets, intervalMs = 5000 }: UrlLogSinkOptions): LogSink {
  const chunks: string[] = [];
  let written = 0;
  let uploaded = -1;
  let queue: Promise<void> = Promise.resolve();

  const upload = (): Promise<void> => {
    queue = queue
      .catch(() => undefined)
      .then(async () => {
        if (uploaded === written) return;
        const size = written;
        await artifacts.write(url, chunks.join(''), 'text/plain; charset=utf-8');
        uploaded = size;
      });
    return queue;
  };

  // A failed periodic upload is retried at the next tick; flush/close report the failure.
  const timer = setInterval(() => void upload().catch(() => undefined), intervalMs);
  timer.unref();

  const raw: LogSink = {
    write(text) {
      chunks.push(text);
      written += text.length;
    },
    flush: upload,
    async close() {
      clearInterval(timer);
      await upload();
    },
  };
  return maskingSink(raw, secrets);
}
