/** Small statistics helpers: percentiles by linear interpolation, rounding for the report. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (rank - lo);
}

export const median = (values: number[]) => percentile(values, 50);
export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A one-line summary of a sample: median, p95, min–max. */
export function summary(values: number[], unit = 'ms', digits = 1): string {
  return `median ${round(median(values), digits)} ${unit}, p95 ${round(percentile(values, 95), digits)} ${unit}, min ${round(Math.min(...values), digits)}, max ${round(Math.max(...values), digits)} (n=${values.length})`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
