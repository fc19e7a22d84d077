/** The sample events under events/ are real handler inputs: each one gets the documented answer. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../local/apigw';
import { handler as authorizer } from '../../functions/authorizer';
import { handler as fallback } from '../../functions/fallback';
import { handler as postJob } from '../../functions/jobs/post';

const event = (name: string) => JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8'));

describe('sample events', () => {
  it('authorizer: an alg-none token is refused, and the refusal reaches the function as context', async () => {
    const result = await authorizer(event('authorizer/request.json'));
    expect(result).toEqual({ isAuthorized: true, context: { error: 'unsigned tokens are not accepted' } });
  });

  it('a function whose authorizer refused the token answers a JSON:API 401', async () => {
    const result = await postJob(event('api/post-job.json'), lambdaContext('CreateOrganizationJob'));
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body as string).errors[0]).toMatchObject({ status: '401', detail: 'token expired' });
  });

  it('$default: PATCH on a collection is a 405 with Allow', async () => {
    const result = await fallback(event('api/patch-collection.json'));
    expect(result).toMatchObject({ statusCode: 405, headers: { allow: 'GET, POST' } });
  });

  it('the GET job event names a route of the route table', async () => {
    const { ROUTES } = await import('../../shared/routes');
    expect(ROUTES.map((r) => `${r.method} ${r.path}`)).toContain(event('api/get-job.json').routeKey);
  });
});
