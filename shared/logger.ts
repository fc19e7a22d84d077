/**
 * Structured JSON logs, one object per line. In Lambda (JSON log format) the runtime adds the request
 * id and level; locally each line is printed as JSON. Values under secret-looking keys are redacted
 * before anything is written, so a careless log call cannot leak a token or a sensitive variable.
 */
import { logSettings } from './env';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /(secret|password|token|authorization|value|signature|credential|cookie)/i;

const threshold = (): number => ORDER[(logSettings().level?.toLowerCase() as Level) ?? 'info'] ?? ORDER.info;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[depth]';
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

function write(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  if (ORDER[level] < threshold()) return;
  const record = { level: level.toUpperCase(), message, ...(redact(fields) as Record<string, unknown>) };
  if (logSettings().inLambda) {
    console[level](record);
  } else {
    const line = JSON.stringify({ time: new Date().toISOString(), ...record });
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
  }
}

export const logger = {
  debug: (message: string, fields?: Record<string, unknown>) => write('debug', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields),
};
