/** The README's route table names every route of the route table. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/routes';

describe('README', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it('starts with the two set-up commands', () => {
    expect(readme.split('\n').slice(0, 4)).toEqual(['```sh', expect.stringMatching(/^npm ci && npm start\b/), expect.stringMatching(/^npm ci && npm test\b/), '```']);
  });

  it('lists every route', () => {
    for (const route of ROUTES) {
      const path = route.path.replace(/^\/api\/v1/, '');
      const row = readme.split('\n').find((line) => line.includes(`| \`${path}\` |`));
      expect(row, `${route.method} ${route.path}`).toBeDefined();
      expect(row).toContain(route.method);
    }
  });
});
