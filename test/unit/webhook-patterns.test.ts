/** Rule patterns: what may be saved (ReDoS guard) and how matching is bounded. */
import { describe, expect, it } from 'vitest';
import { MAX_INPUT, Matcher, patternListProblem, patternProblem, splitPatterns } from '../../shared/webhooks/patterns';
import { firstMatchingRule } from '../../shared/webhooks/receiver';
import type { VcsEvent, WebhookEventRecord } from '../../shared/webhooks/records';

describe('saving patterns', () => {
  it.each(['main', '.*', 'feature/.*', '(main|develop)', 'release/v?[0-9]+\\.[0-9]+\\..*', '.*\\.tf', 'modules/.*/.*\\.tf', '(?<name>x+)y*', '\\p{L}+', 'v[0-9]{3}', '(foo/)+bar'])(
    'accepts %s',
    (pattern) => expect(patternProblem(pattern)).toBeUndefined(),
  );

  it.each([
    ['(a+)+', /nested quantifiers/],
    ['(a*)*b', /nested quantifiers/],
    ['(a|aa)+', /nested quantifiers/],
    ['(\\w+/)*main\\.tf', /nested quantifiers/],
    ['((a+)?)+', /nested quantifiers/],
    ['(.*a){12}', /repeating a group/],
    ['.*a.*a.*a.*a', /too long to match/],
    ['a*a*a*a*b', /too long to match/],
    [`${'a?'.repeat(30)}${'a'.repeat(30)}`, /too long to match/],
    [`${'(a|a)'.repeat(30)}b`, /too long to match/],
    ['(a)\\1', /backreferences/],
    ['(?<x>a)\\k<x>', /backreferences/],
    ['feat(ure', /not a valid regular expression/],
    ['a'.repeat(513), /longer than 512/],
  ])('refuses %s', (pattern, problem) => expect(patternProblem(pattern)).toMatch(problem));

  it('checks every pattern of a list and names the bad one', () => {
    expect(patternListProblem('main, release/.*')).toBeUndefined();
    expect(patternListProblem('main,(a+)+')).toMatch(/^'\(a\+\)\+': nested/);
    expect(patternListProblem(' , ')).toMatch(/at least one/);
    expect(splitPatterns(' main , ,dev ')).toEqual(['main', 'dev']);
  });

  it('keeps what it accepts fast on the worst inputs it can get', () => {
    const accepted = ['.*a.*b.*c', 'a*a*a*b', '.*a.*a.*a', 'a?a*a*b', '(x|y|z)a*a*a*b'];
    for (const pattern of accepted) expect(patternProblem(pattern), pattern).toBeUndefined();
    const inputs = ['a'.repeat(MAX_INPUT), 'ab'.repeat(MAX_INPUT / 2), 'a/'.repeat(MAX_INPUT / 2)];
    const started = performance.now();
    new Matcher().anyMatch(accepted, inputs);
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

describe('matching', () => {
  const rule = (over: Partial<WebhookEventRecord>): WebhookEventRecord => ({
    id: crypto.randomUUID(),
    organizationId: 'o',
    workspaceId: 'w',
    webhookId: 'h',
    event: 'PUSH',
    branch: '.*',
    path: null,
    templateId: 't',
    priority: 1,
    createdBy: 'x',
    createdDate: '',
    updatedBy: 'x',
    updatedDate: '',
    ...over,
  });
  const push = (branch: string, files: string[] | null): VcsEvent => ({ kind: 'PUSH', refNames: [branch], overrideBranch: branch, files, commitId: null, createdBy: null, summary: '' });

  it('matches whole names only', () => {
    expect(firstMatchingRule([rule({ branch: 'main' })], push('main-2', []))).toBeUndefined();
    expect(firstMatchingRule([rule({ branch: 'ma' })], push('main', []))).toBeUndefined();
    expect(firstMatchingRule([rule({ branch: 'main|dev' })], push('dev', []))).toBeDefined();
    expect(firstMatchingRule([rule({ path: 'main' })], push('main', ['main.tf']))).toBeUndefined();
  });

  it('orders by priority, then id, and skips rules of another kind', () => {
    const a = rule({ id: 'b', priority: 2 });
    const b = rule({ id: 'a', priority: 2 });
    const c = rule({ id: 'c', priority: 1, event: 'RELEASE' });
    expect(firstMatchingRule([a, b, c], push('main', []))?.id).toBe('a');
  });

  it('applies path patterns only when the event lists files', () => {
    const onlyTf = rule({ path: '.*\\.tf' });
    expect(firstMatchingRule([onlyTf], push('main', ['README.md']))).toBeUndefined();
    expect(firstMatchingRule([onlyTf], push('main', ['README.md', 'infra/main.tf']))).toBeDefined();
    expect(firstMatchingRule([onlyTf], push('main', null))).toBeDefined();
    expect(firstMatchingRule([onlyTf], push('main', []))).toBeUndefined();
  });

  it('ignores inputs longer than the cap and stops at its test budget', () => {
    expect(firstMatchingRule([rule({ path: '.*' })], push('main', [`${'d/'.repeat(MAX_INPUT)}x.tf`]))).toBeUndefined();
    const matcher = new Matcher();
    const files = Array.from({ length: 20_000 }, (_, i) => `f${i}.txt`);
    expect(firstMatchingRule([rule({ path: 'never' })], push('main', files), matcher)).toBeUndefined();
    expect(matcher.exhausted).toBe(true);
  });
});
