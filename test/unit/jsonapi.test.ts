import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { checkAttributes } from '../../shared/http/attributes';
import { isAcceptedContentType } from '../../shared/http/api-handler';
import { toErrors } from '../../shared/http/error-response';
import { readResourceDocument } from '../../shared/http/jsonapi';

function statusOf(fn: () => unknown): { status: number; pointer?: string } {
  try {
    fn();
  } catch (e) {
    // What the HTTP layer answers: the first error object decides the status.
    const [first] = toErrors(e, 'test');
    if (!first || first.status === 500) throw e;
    return { status: first.status, pointer: first.source?.pointer };
  }
  return { status: 0 };
}

describe('request documents', () => {
  const read = (body: unknown, id?: string) => () => readResourceDocument(body, { type: 'job', id, relationships: { workspace: 'workspace' } });

  it.each([
    ['not an object', [], 400, ''],
    ['no data', { meta: {} }, 400, '/data'],
    ['an unknown top-level member', { data: { type: 'job' }, extra: [] }, 400, '/extra'],
    ['no type', { data: { attributes: {} } }, 400, '/data/type'],
    ['another type', { data: { type: 'workspace' } }, 409, '/data/type'],
    ['a client id on create', { data: { type: 'job', id: '5' } }, 403, '/data/id'],
    ['attributes that are not an object', { data: { type: 'job', attributes: [] } }, 400, '/data/attributes'],
    ['an unknown relationship', { data: { type: 'job', relationships: { owner: { data: null } } } }, 400, '/data/relationships/owner'],
    ['a relationship without data', { data: { type: 'job', relationships: { workspace: {} } } }, 400, '/data/relationships/workspace'],
    ['a relationship of the wrong type', { data: { type: 'job', relationships: { workspace: { data: { type: 'team', id: 'x' } } } } }, 409, '/data/relationships/workspace/data/type'],
  ])('rejects %s', (_name, body, status, pointer) => {
    expect(statusOf(read(body))).toEqual({ status, pointer });
  });

  it('ignores a top-level included and echoed read-only relationships, and reads client ids where allowed', () => {
    const body = { data: { type: 'job', relationships: { workspace: { data: { type: 'workspace', id: 'w' } } } }, included: [{ type: 'workspace', id: 'w', attributes: {} }] };
    expect(read(body)()).toEqual({ attributes: {}, relationships: { workspace: { type: 'workspace', id: 'w' } } });
    const steps = { data: { type: 'job', relationships: { step: { data: [{ type: 'step', id: 's' }] } } } };
    expect(readResourceDocument(steps, { type: 'job', relationships: { step: { type: 'step', many: true, readOnly: true } } })).toEqual({ attributes: {}, relationships: {} });
    expect(readResourceDocument({ data: { type: 'webhook', id: 'abc' } }, { type: 'webhook', clientId: true })).toEqual({ id: 'abc', attributes: {}, relationships: {} });
    // An update names its resource by the path: the old CLI's "Team" is a team.
    expect(readResourceDocument({ data: { type: 'Team', id: '7' } }, { type: 'team', id: '7' })).toEqual({ attributes: {}, relationships: {} });
  });

  it('accepts read-only attributes sent unset or unchanged; a real change is refused by name', () => {
    const schema = v.object({ name: v.optional(v.string()) });
    const rules = { readOnly: ['createdBy', 'planChanges', 'tags'], forbidden: ['approvalTeam'] };
    const current = { createdBy: 'me', planChanges: true, tags: ['a'], approvalTeam: 'OPS' };
    expect(checkAttributes({ createdBy: null, planChanges: false, tags: [], approvalTeam: '' }, schema, rules)).toEqual({});
    expect(checkAttributes({ createdBy: 'me', planChanges: 'true', tags: ['a'], approvalTeam: 'OPS' }, schema, rules, current)).toEqual({});
    expect(statusOf(() => checkAttributes({ createdBy: 'you' }, schema, rules, current))).toEqual({ status: 400, pointer: '/data/attributes/createdBy' });
    expect(statusOf(() => checkAttributes({ approvalTeam: 'DEVS', tags: ['b'] }, schema, rules, current))).toEqual({ status: 403, pointer: '/data/attributes/approvalTeam' });
  });

  it('requires data.id to repeat the path id on update', () => {
    expect(statusOf(read({ data: { type: 'job' } }, '7'))).toEqual({ status: 400, pointer: '/data/id' });
    expect(statusOf(read({ data: { type: 'job', id: '8' } }, '7'))).toEqual({ status: 409, pointer: '/data/id' });
    expect(read({ data: { type: 'job', id: '7', attributes: { a: 1 } } }, '7')()).toEqual({ attributes: { a: 1 }, relationships: {} });
  });

  it('reports unknown, read-only and server-only attributes by name', () => {
    const schema = v.object({ name: v.string() });
    const rules = { readOnly: ['createdBy'], forbidden: ['approvalTeam'] };
    expect(statusOf(() => checkAttributes({ name: 'x', bogus: 1 }, schema, rules))).toEqual({ status: 400, pointer: '/data/attributes/bogus' });
    expect(statusOf(() => checkAttributes({ name: 'x', createdBy: 'me' }, schema, rules))).toEqual({ status: 400, pointer: '/data/attributes/createdBy' });
    expect(statusOf(() => checkAttributes({ name: 'x', approvalTeam: 'X' }, schema, rules))).toEqual({ status: 403, pointer: '/data/attributes/approvalTeam' });
    expect(statusOf(() => checkAttributes({ approvalTeam: 'X', bogus: 1 }, schema, rules))).toEqual({ status: 400, pointer: '/data/attributes/bogus' });
    expect(statusOf(() => checkAttributes({ name: 5 }, schema, rules))).toEqual({ status: 400, pointer: '/data/attributes/name' });
    expect(statusOf(() => checkAttributes(JSON.parse('{"__proto__": {"polluted": true}}'), schema, rules))).toEqual({ status: 400, pointer: '/data/attributes/__proto__' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['application/vnd.api+json', true],
    ['application/vnd.api+json; ext="https://jsonapi.org/ext/atomic"', true],
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['APPLICATION/JSON', true],
    ['application/vnd.api+json; charset=utf-8', false],
    ['text/plain', false],
    ['application/x-www-form-urlencoded', false],
    [undefined, false],
  ])('content type %s accepted: %s', (value, accepted) => {
    expect(isAcceptedContentType(value)).toBe(accepted);
  });
});
