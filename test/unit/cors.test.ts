import { describe, expect, it } from 'vitest';
import { parseCorsOrigins } from '../../shared/http/cors';

describe('TERRAKUBE_CORS_ORIGINS / corsOrigins', () => {
  it('takes a comma-separated list of origins or *, and refuses anything with a path or another scheme', () => {
    expect(parseCorsOrigins(undefined)).toEqual([]);
    expect(parseCorsOrigins(' https://ui.example.com, http://localhost:3000/ ')).toEqual(['https://ui.example.com', 'http://localhost:3000']);
    expect(parseCorsOrigins('*')).toEqual(['*']);
    expect(() => parseCorsOrigins('https://ui.example.com/app')).toThrow(/not an origin/);
    expect(() => parseCorsOrigins('ftp://x')).toThrow(/not an origin/);
  });
});
