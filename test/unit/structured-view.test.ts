/** The executor's structured view: what terraform marks sensitive and the step's secrets never reach the UI. */
import { describe, expect, it } from 'vitest';
import { REDACTED, outputs, planChanges } from '../../executor/structured-view';

const show = (change: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ resource_changes: [{ address: 'aws_db.main', type: 'aws_db', name: 'main', change, ...extra }] });

describe('structured view', () => {
  it('replaces values marked sensitive, nested ones included, and masks secrets in the rest', () => {
    const [change] = planChanges(
      show({
        actions: ['delete', 'create'],
        before: { password: 'old', tags: { owner: 'x' } },
        after: { password: 'new', tags: { owner: 'token-abc123' }, list: ['a', 'b'] },
        before_sensitive: { password: true },
        after_sensitive: { password: true, list: [false, true] },
        after_unknown: { id: true },
      }),
      ['abc123'],
      'planned',
    );
    expect(change).toMatchObject({
      address: 'aws_db.main',
      action: 'replace',
      before: { password: REDACTED, tags: { owner: 'x' } },
      after: { password: REDACTED, tags: { owner: 'token-***' }, list: ['a', REDACTED] },
      afterUnknown: { id: true },
      status: 'planned',
    });
    expect(JSON.stringify(change)).not.toMatch(/old|new|abc123/);
  });

  it('leaves pure no-ops out but keeps imports', () => {
    expect(planChanges(show({ actions: ['no-op'], before: {}, after: {} }), [], 'planned')).toEqual([]);
    expect(planChanges(show({ actions: ['no-op'], importing: { id: 'i-1' } }), [], 'planned')[0]).toMatchObject({ action: 'import', importing: { id: 'i-1' } });
  });

  it('lists outputs, never the value of a sensitive one', () => {
    expect(outputs(JSON.stringify({ a: { value: 1, type: 'number' }, s: { value: 'pw', sensitive: true, type: 'string' } }), [])).toEqual([
      { name: 'a', value: 1, sensitive: false, type: 'number' },
      { name: 's', value: REDACTED, sensitive: true, type: 'string' },
    ]);
  });
});
