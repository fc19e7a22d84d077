/** Quartz cron as Terrakube's clients send it, evaluated by croner with Quartz's rules (domain/quartz-cron.ts). */
import { describe, expect, it } from 'vitest';
import { atExpression, CronError, eventBridgeExpression, parseQuartzCron } from '../../shared/domain/quartz-cron';

const runs = (cron: string, from: string, n = 3) => {
  const c = parseQuartzCron(cron);
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < n; i++) {
    const next = c.next(at);
    if (!next) break;
    out.push(next.toISOString());
    at = next;
  }
  return out;
};

describe('Quartz cron', () => {
  it("accepts what the UI, the provider, terrakube-go and Terrakube's server test send", () => {
    expect(runs('0 */5 * ? * * *', '2026-01-30T00:00:00Z', 2)).toEqual(['2026-01-30T00:05:00.000Z', '2026-01-30T00:10:00.000Z']);
    // MON-FRI: Friday 30 Jan, then Monday 2 Feb.
    expect(runs('0 0 0 ? * MON-FRI', '2026-01-29T12:00:00Z', 2)).toEqual(['2026-01-30T00:00:00.000Z', '2026-02-02T00:00:00.000Z']);
    expect(runs('0 0/1 * * * ?', '2026-01-30T00:00:30Z', 2)).toEqual(['2026-01-30T00:01:00.000Z', '2026-01-30T00:02:00.000Z']);
    expect(runs('0 0/5 * ? * *', '2026-01-30T00:00:00Z', 1)).toEqual(['2026-01-30T00:05:00.000Z']);
  });

  it('fires every few seconds with a seconds step', () => {
    expect(runs('*/5 * * * * ? *', '2026-01-30T00:00:00Z')).toEqual(['2026-01-30T00:00:05.000Z', '2026-01-30T00:00:10.000Z', '2026-01-30T00:00:15.000Z']);
    expect(runs('5/15 * * * * ?', '2026-01-30T00:00:00Z')).toEqual(['2026-01-30T00:00:05.000Z', '2026-01-30T00:00:20.000Z', '2026-01-30T00:00:35.000Z']);
  });

  it('handles month ends: L, LW, W, and February in leap and common years', () => {
    expect(runs('0 0 12 L * ?', '2026-01-30T00:00:00Z')).toEqual(['2026-01-31T12:00:00.000Z', '2026-02-28T12:00:00.000Z', '2026-03-31T12:00:00.000Z']);
    expect(runs('0 0 12 L 2 ? *', '2027-06-01T00:00:00Z', 2)).toEqual(['2028-02-29T12:00:00.000Z', '2029-02-28T12:00:00.000Z']);
    // Last weekday: Friday 27 Feb 2026 (the 28th is a Saturday); 15W: Monday 16 Feb (the 15th is a Sunday).
    expect(runs('0 0 0 LW * ?', '2026-02-01T00:00:00Z', 1)).toEqual(['2026-02-27T00:00:00.000Z']);
    expect(runs('0 0 12 15W * ?', '2026-02-01T00:00:00Z', 1)).toEqual(['2026-02-16T12:00:00.000Z']);
    // The 31st only in months that have one.
    expect(runs('0 0 0 31 * ?', '2026-03-31T01:00:00Z', 2)).toEqual(['2026-05-31T00:00:00.000Z', '2026-07-31T00:00:00.000Z']);
  });

  it('uses Quartz day-of-week numbers (1 = Sunday) with # and L', () => {
    // 6#3: the third Friday; 2L: the last Monday; 1: Sundays.
    expect(runs('0 0 12 ? * 6#3', '2026-02-01T00:00:00Z', 2)).toEqual(['2026-02-20T12:00:00.000Z', '2026-03-20T12:00:00.000Z']);
    expect(runs('0 0 12 ? * 2L', '2026-02-01T00:00:00Z', 2)).toEqual(['2026-02-23T12:00:00.000Z', '2026-03-30T12:00:00.000Z']);
    expect(runs('0 0 0 ? * 1', '2026-02-01T00:00:00Z', 1)).toEqual(['2026-02-08T00:00:00.000Z']);
    expect(runs('0 0 0 ? * sun', '2026-02-01T00:00:00Z', 1)).toEqual(['2026-02-08T00:00:00.000Z']);
  });

  it('honours the 7th (year) field, and a past year never fires', () => {
    expect(runs('0 0 0 1 1 ? 2030', '2026-01-01T00:00:00Z')).toEqual(['2030-01-01T00:00:00.000Z']);
    expect(runs('0 0 0 1 1 ? 2027-2028', '2026-06-01T00:00:00Z')).toEqual(['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']);
    expect(runs('0 0 0 * * ? 1999', '2026-01-01T00:00:00Z')).toEqual([]);
  });

  it('runs in UTC: no fire time is skipped or doubled across a daylight-saving change', () => {
    // 29 March 2026 is the EU change, 8 March the US one: 02:30 every day still fires once a day.
    expect(runs('0 30 2 * * ?', '2026-03-07T12:00:00Z', 3)).toEqual(['2026-03-08T02:30:00.000Z', '2026-03-09T02:30:00.000Z', '2026-03-10T02:30:00.000Z']);
    expect(runs('0 30 2 * * ?', '2026-03-28T12:00:00Z', 2)).toEqual(['2026-03-29T02:30:00.000Z', '2026-03-30T02:30:00.000Z']);
  });

  it.each([
    ['bogus', /6 or 7 fields/],
    ['0 0 0 * * *', /exactly one of day-of-month and day-of-week/],
    ['0 0 0 ? * ?', /exactly one of day-of-month and day-of-week/],
    ['0 0 25 * * ?', /hour/],
    ['0 0 0 L-2 * ?', /L-n/],
    ['0 0 0 ? * 9', /./],
    ['0 0 0 ? * MON-FRI * *', /6 or 7 fields/],
  ])('refuses %s', (cron, message) => {
    expect(() => parseQuartzCron(cron)).toThrow(CronError);
    expect(() => parseQuartzCron(cron)).toThrow(message);
  });

  it('tells the fire times apart from other instants', () => {
    const c = parseQuartzCron('0 0/5 * ? * * *');
    expect(c.fires(new Date('2026-01-30T00:05:00Z'))).toBe(true);
    expect(c.fires(new Date('2026-01-30T00:05:00.900Z'))).toBe(true);
    expect(c.fires(new Date('2026-01-30T00:06:00Z'))).toBe(false);
    expect(c.previous(new Date('2026-01-30T00:07:00Z'))?.toISOString()).toBe('2026-01-30T00:05:00.000Z');
  });

  it('maps second-0 crons to EventBridge cron() and leaves the others to at()', () => {
    expect(eventBridgeExpression('0 */5 * ? * * *')).toBe('cron(0/5 * ? * * *)');
    expect(eventBridgeExpression('0 0 0 ? * MON-FRI')).toBe('cron(0 0 ? * MON-FRI *)');
    expect(eventBridgeExpression('0 0 12 ? * 6#3 2030')).toBe('cron(0 12 ? * 6#3 2030)');
    expect(eventBridgeExpression('*/5 * * * * ? *')).toBeUndefined();
    expect(eventBridgeExpression('30 0 0 * * ?')).toBeUndefined();
    expect(atExpression(new Date('2026-01-30T00:00:05.000Z'))).toBe('at(2026-01-30T00:00:05)');
  });
});
