/**
 * Quartz cron expressions as Terrakube stores them (`sec min hour day-of-month month day-of-week [year]`),
 * evaluated by `croner` (maintained, no dependencies; 7-part mode with Quartz day-of-week numbers,
 * 1 = Sunday). Croner parses seconds, `?`, ranges, steps, `L`, `W`, `LW`, `#`, names and the year field
 * itself; what this module adds is Quartz's own rules around it:
 *  - a 6-field expression (no year) means every year: the year field `*` is appended;
 *  - exactly one of day-of-month and day-of-week is `?` (Quartz refuses both or neither);
 *  - `N/S` steps (`0/5`) are Quartz's "from N every S": croner takes them with `sloppyRanges`;
 *  - `L-n` (n days before the last) is Quartz syntax croner lacks: refused with a clear message.
 * Every time is UTC (the server's zone), so no fire time is skipped or doubled by daylight saving.
 */
import { Cron } from 'croner';

export class CronError extends Error {}

const CRONER_OPTIONS = { mode: '7-part', alternativeWeekdays: true, sloppyRanges: true, timezone: 'UTC', paused: true } as const;

/** A valid expression, ready to evaluate. */
export interface QuartzCron {
  /** The expression as given (stored and answered byte-identical). */
  source: string;
  /** The seven fields (year added when absent). */
  fields: [string, string, string, string, string, string, string];
  next(after: Date): Date | undefined;
  /** The latest fire time at or before `at`. */
  previous(at: Date): Date | undefined;
  /** Whether `at` (to the second) is one of its fire times. */
  fires(at: Date): boolean;
}

const cache = new Map<string, QuartzCron>();

export function parseQuartzCron(source: string): QuartzCron {
  const hit = cache.get(source);
  if (hit) return hit;
  const fields = source.trim().split(/\s+/);
  if (fields.length !== 6 && fields.length !== 7) {
    throw new CronError(`must have 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), got ${fields.length}`);
  }
  if (fields.length === 6) fields.push('*');
  const [, , , dom, , dow] = fields as string[];
  if ((dom === '?') === (dow === '?')) throw new CronError('exactly one of day-of-month and day-of-week must be ? (Quartz)');
  if (/L-\d/i.test(dom as string)) throw new CronError('L-n (days before the end of the month) is not supported');
  let cron: Cron;
  try {
    cron = new Cron(fields.join(' '), CRONER_OPTIONS);
  } catch (e) {
    throw new CronError((e as Error).message.replace(/^CronPattern: /, ''));
  }
  const parsed: QuartzCron = {
    source,
    fields: fields as QuartzCron['fields'],
    next: (after) => cron.nextRun(after) ?? undefined,
    previous: (at) => cron.previousRuns(1, new Date(at.getTime() + 1))[0],
    fires: (at) => cron.match(new Date(Math.floor(at.getTime() / 1000) * 1000)),
  };
  if (cache.size > 1000) cache.clear();
  cache.set(source, parsed);
  return parsed;
}

/** The next fire time strictly after `after`, or undefined (a year in the past, Feb 30). */
export const nextFireTime = (source: string, after: Date): Date | undefined => parseQuartzCron(source).next(after);

/**
 * The EventBridge Scheduler expression for a Quartz one, when EventBridge can fire it by itself:
 * EventBridge crons have no seconds field (they fire at second 0), so the seconds field must be `0`.
 * Anything else (sub-minute schedules, second 30 …) returns undefined: the caller arms one-time
 * `at(...)` schedules instead, one fire time ahead (schedules/arming.ts).
 */
export function eventBridgeExpression(source: string): string | undefined {
  const [seconds, ...rest] = parseQuartzCron(source).fields;
  if (seconds !== '0') return undefined;
  // EventBridge documents steps from a start value (0/15); `*/n` is the same from the field's first value.
  const firsts = ['0', '0', '1', '1', '1', '1970'];
  return `cron(${rest.map((f, i) => f.replace(/^\*\//, `${firsts[i]}/`)).join(' ')})`;
}

/** EventBridge's at() expression for one instant (UTC, to the second). */
export const atExpression = (at: Date): string => `at(${at.toISOString().slice(0, 19)})`;
