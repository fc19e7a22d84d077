/**
 * Structured JSON logs, one object per line, written by the Powertools Logger (in Lambda it adds the
 * invocation's request id, function and cold start; see observability/lambda.ts). Values under
 * secret-looking keys are redacted before anything reaches it, so a careless log call cannot leak a
 * token or a sensitive variable. LOG_LEVEL (or Lambda's log level) sets the threshold, read at each call.
 */
import { logSettings } from './env';
import { powertoolsLogger } from './observability/powertools';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /(secret|password|token|authorization|value|signature|credential|cookie|dispose)/i;
const SIGNED_URL = /[?&](X-Amz-Signature|X-Amz-Credential|signature)=/i;

const configured = (): Level => {
  const level = logSettings().level?.toLowerCase() as Level | undefined;
  return level && level in ORDER ? level : 'info';
};

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[depth]';
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  // A presigned or signed object URL is a capability (issue 20): its query goes, wherever it appears.
  if (typeof value === 'string') return SIGNED_URL.test(value) ? value.replace(/\?[^\s"']*/g, '?[redacted]') : value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

let applied: Level | undefined;

function write(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  const threshold = configured();
  if (ORDER[level] < ORDER[threshold]) return;
  if (applied !== threshold) {
    powertoolsLogger.setLogLevel(threshold.toUpperCase() as Uppercase<Level>);
    applied = threshold;
  }
  powertoolsLogger[level](message, redact(fields) as Record<string, unknown>);
}

export const logger = {
  debug: (message: string, fields?: Record<string, unknown>) => write('debug', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields),
};
