/** The conformance checker itself: each JSON:API rule it guards is caught, and valid documents pass. */
import { describe, expect, it } from 'vitest';
import { jsonApiViolations } from '../helpers/jsonapi-conformance';

const job = (extra: Record<string, unknown> = {}) => ({ type: 'job', id: '1', attributes: { status: 'pending' }, relationships: { step: { data: [{ type: 'step', id: 's1' }] } }, ...extra });
const step = { type: 'step', id: 's1', attributes: { name: 'Plan' }, relationships: { job: { data: { type: 'job', id: '1' } } } };
const rules = (doc: unknown, sparse = false) => jsonApiViolations(doc, { sparseFieldsets: sparse }).map((v) => `${v.path}: ${v.rule}`);

describe('JSON:API conformance checker', () => {
  it('accepts well-formed documents: single, list, compound, empty, errors, meta only', () => {
    expect(rules({ jsonapi: { version: '1.1' }, data: job(), included: [step] })).toEqual([]);
    expect(rules({ data: [job()], links: { next: null, self: 'http://x' }, meta: { page: {} } })).toEqual([]);
    expect(rules({ data: null })).toEqual([]);
    expect(rules({ errors: [{ status: '404', title: 'Not Found', detail: 'x', source: { pointer: '/data' } }] })).toEqual([]);
    expect(rules({ meta: { total: 1 } })).toEqual([]);
    expect(rules({ 'atomic:results': [{ data: job() }] })).toEqual([]);
  });

  it('top level: needs data, errors or meta; never data with errors; included only with data; no unknown members', () => {
    expect(rules({})).toContain(': a document must contain at least one of data, errors, meta');
    expect(rules({ data: null, errors: [] })).toContain(': data and errors must not coexist');
    expect(rules({ errors: [], included: [] })).toContain('/included: included requires data');
    expect(rules({ data: null, extra: 1 })).toContain("/extra: unknown top-level member 'extra'");
    expect(rules([])).toEqual([': a document must be a JSON object']);
  });

  it('resource objects: string type and id', () => {
    expect(rules({ data: { type: 'job', id: 1 } })).toContain('/data/id: id must be a non-empty string');
    expect(rules({ data: [{ id: '1' }] })).toContain('/data/0/type: type must be a non-empty string');
    expect(rules({ data: { type: 'job', id: '1', extra: true } })).toContain("/data/extra: unknown resource member 'extra'");
  });

  it('the shared field namespace: no attribute or relationship named type, id, relationships, links; none both', () => {
    for (const name of ['type', 'id', 'relationships', 'links']) {
      expect(rules({ data: { type: 'step', id: 's', attributes: { [name]: 'x' } } })).toContain(`/data/attributes/${name}: a resource can not have an attribute named '${name}'`);
      expect(rules({ data: { type: 'step', id: 's', relationships: { [name]: { data: null } } } })).toContain(`/data/relationships/${name}: a resource can not have a relationship named '${name}'`);
    }
    expect(rules({ data: { type: 'job', id: '1', attributes: { step: 1 }, relationships: { step: { data: [] } } } })).toContain("/data/attributes/step: 'step' is both an attribute and a relationship");
  });

  it('relationship objects: data, links or meta, with resource identifiers as linkage', () => {
    expect(rules({ data: job({ relationships: { step: {} } }) })).toContain('/data/relationships/step: a relationship must contain data, links or meta');
    expect(rules({ data: job({ relationships: { step: { data: [{ type: 'step', id: 7 }] } } }) })).toContain('/data/relationships/step/data/0/id: id must be a non-empty string');
    expect(rules({ data: job({ relationships: { step: { data: 'x' } } }) })).toContain('/data/relationships/step/data: resource linkage must be a resource identifier object');
    expect(rules({ data: job({ relationships: { step: { data: [], other: 1 } } }) })).toContain("/data/relationships/step/other: unknown relationship member 'other'");
  });

  it('included: unique, and every included resource linked from the primary data (unless sparse fieldsets)', () => {
    expect(rules({ data: job(), included: [step, step] })).toContain('/included/1: resource step s1 appears more than once in the document');
    expect(rules({ data: job(), included: [job()] })).toContain('/included/0: resource job 1 appears more than once in the document');
    const orphan = { type: 'workspace', id: 'w' };
    expect(rules({ data: job(), included: [step, orphan] })).toContain('/included/1: included resource workspace w is not linked from the primary data (full linkage)');
    expect(rules({ data: job(), included: [step, orphan] }, true)).toEqual([]);
    // Reached through another included resource counts as linked.
    const ws = { type: 'workspace', id: 'w', relationships: { organization: { data: { type: 'organization', id: 'o' } } } };
    expect(rules({ data: job({ relationships: { workspace: { data: { type: 'workspace', id: 'w' } } } }), included: [ws, { type: 'organization', id: 'o' }] })).toEqual([]);
  });

  it('error objects: status as a string, known members only', () => {
    expect(rules({ errors: [{ status: 404 }] })).toContain('/errors/0/status: status must be a string');
    expect(rules({ errors: [{ status: '400', stack: 'x' }] })).toContain("/errors/0/stack: unknown error member 'stack'");
    expect(rules({ errors: {} })).toContain('/errors: errors must be an array');
  });
});
