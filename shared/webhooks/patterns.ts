/**
 * Branch and path patterns of webhook rules: comma-separated regular expressions, each matched against
 * a whole branch name or file path. Patterns come from users and run in the public receiver, so they
 * must not be able to hang it (ReDoS). JavaScript regexes backtrack and cannot be interrupted, hence:
 *
 * 1. At save time (`patternListProblem`): valid syntax (compiled with the `u` flag), at most 512
 *    characters, no backreferences, no repetition of anything that itself repeats or branches
 *    (`(a+)+`, `(a*)*`, `(a|aa)+`, `(.*a){3}`), and a static worst-case bound: with inputs capped at
 *    MAX_INPUT characters, k unbounded quantifiers in a row can try C(MAX_INPUT, k) splits, times the
 *    choices of `?` and alternations. A pattern whose bound exceeds MAX_STEPS (≈ 50 ms of V8 backtracking)
 *    is refused. In practice: up to three `.*`/`+` per pattern.
 * 2. At match time (`Matcher`): inputs longer than MAX_INPUT never match, and one delivery evaluates at
 *    most MAX_TESTS pattern tests and stops after MAX_MATCH_MS; whatever was not reached does not match.
 */

export const MAX_PATTERN_LENGTH = 512;
export const MAX_INPUT = 256;
const MAX_STEPS = 1e7;
export const MAX_TESTS = 10_000;
export const MAX_MATCH_MS = 1_000;

/** The patterns of a comma-separated list (blank entries ignored). */
export const splitPatterns = (list: string | null | undefined): string[] =>
  (list ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');

const compile = (pattern: string) => new RegExp(`^(?:${pattern})$`, 'u');

/**
 * An Ant-style path pattern (Terrakube's pathType PATTERN, Spring's AntPathMatcher) as a regular
 * expression: `?` one character and `*` any run within a path segment, `**` as a whole segment any
 * number of directories (`modules/**` matches modules/a/b.tf; a leading or inner `**` segment, zero
 * or more directories). It then meets the same safety checks.
 */
export function antPattern(pattern: string): string {
  let re = '';
  for (let i = 0; i < pattern.length; ) {
    if (pattern.startsWith('**', i) && (i === 0 || pattern[i - 1] === '/') && (i + 2 === pattern.length || pattern[i + 2] === '/')) {
      if (i + 2 < pattern.length) {
        re += '(?:.*/)?';
        i += 3;
      } else {
        re = i === 0 ? '.*' : `${re.slice(0, -1)}(?:/.*)?`;
        i += 2;
      }
      continue;
    }
    const c = pattern[i++] as string;
    if (c === '*') {
      while (pattern[i] === '*') i++;
      re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return re;
}

/** A rule's path list as regular expressions, whichever way it is written. */
export const pathPatterns = (list: string | null | undefined, pathType: 'REGEX' | 'PATTERN' = 'REGEX'): string[] =>
  pathType === 'PATTERN' ? splitPatterns(list).map(antPattern) : splitPatterns(list);

/** Why a path list of this type cannot be saved, or undefined when it can. */
export function pathListProblem(list: string, pathType: 'REGEX' | 'PATTERN'): string | undefined {
  if (pathType === 'REGEX') return patternListProblem(list);
  for (const pattern of splitPatterns(list)) {
    const problem = patternProblem(antPattern(pattern));
    if (problem) return `'${pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern}': ${problem.replace('regular expression', 'pattern')}`;
  }
  return splitPatterns(list).length === 0 ? 'must contain at least one pattern' : undefined;
}

/** Why a comma-separated pattern list cannot be saved, or undefined when it can. */
export function patternListProblem(list: string): string | undefined {
  const patterns = splitPatterns(list);
  if (patterns.length === 0) return 'must contain at least one regular expression';
  for (const pattern of patterns) {
    const problem = patternProblem(pattern);
    if (problem) return `'${pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern}': ${problem}`;
  }
  return undefined;
}

export function patternProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    compile(pattern);
  } catch (error) {
    return `is not a valid regular expression (${(error as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
  try {
    const cost = new CostParser(pattern).parse();
    if (combinations(MAX_INPUT, cost.unbounded) * cost.choices > MAX_STEPS) {
      return 'could take too long to match (too many repetitions or alternatives; use at most three .* or + per pattern)';
    }
  } catch (error) {
    if (error instanceof UnsafePattern) return error.message;
    throw error;
  }
  return undefined;
}

class UnsafePattern extends Error {}

/** Worst-case shape of a (sub)pattern: unbounded quantifiers in sequence, and the product of other choices. */
interface Cost {
  unbounded: number;
  choices: number;
  /** It repeats or branches inside, so repeating it again would nest backtracking. */
  varies: boolean;
}

const CONSTANT: Cost = { unbounded: 0, choices: 1, varies: false };

/**
 * A small recursive-descent reader of an already valid `u`-mode pattern that only tracks what matters
 * for backtracking: groups, alternation, quantifiers; classes and escapes are single atoms.
 */
class CostParser {
  private at = 0;
  constructor(private readonly source: string) {}

  parse(): Cost {
    return this.alternation();
  }

  private peek = () => this.source[this.at];

  private alternation(): Cost {
    const branches = [this.sequence()];
    while (this.peek() === '|') {
      this.at++;
      branches.push(this.sequence());
    }
    if (branches.length === 1) return branches[0] as Cost;
    return {
      unbounded: Math.max(...branches.map((b) => b.unbounded)),
      choices: branches.reduce((sum, b) => sum + b.choices, 0),
      varies: true,
    };
  }

  private sequence(): Cost {
    let cost = CONSTANT;
    while (this.at < this.source.length && this.peek() !== '|' && this.peek() !== ')') {
      const next = this.quantified(this.atom());
      cost = { unbounded: cost.unbounded + next.unbounded, choices: cost.choices * next.choices, varies: cost.varies || next.varies };
    }
    return cost;
  }

  private atom(): Cost {
    const c = this.source[this.at++];
    if (c === '(') {
      if (this.peek() === '?') {
        // (?: (?= (?! (?<= (?<! (?<name>: skip the group syntax, keep the body.
        this.at++;
        if (this.peek() === '<' && this.source[this.at + 1] !== '=' && this.source[this.at + 1] !== '!') this.at = this.source.indexOf('>', this.at) + 1;
        else this.at += this.peek() === '<' ? 2 : 1;
      }
      const inner = this.alternation();
      this.at++; // ')'
      return inner;
    }
    if (c === '[') {
      for (; this.at < this.source.length && this.peek() !== ']'; this.at++) if (this.peek() === '\\') this.at++;
      this.at++;
      return CONSTANT;
    }
    if (c === '\\') {
      const e = this.source[this.at++] ?? '';
      if (/[1-9]/.test(e) || e === 'k') throw new UnsafePattern('backreferences are not allowed');
      if ('pPu'.includes(e) && this.peek() === '{') this.at = this.source.indexOf('}', this.at) + 1;
      return CONSTANT;
    }
    return CONSTANT;
  }

  private quantified(atom: Cost): Cost {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.at++;
      [min, max] = c === '?' ? [0, 1] : [c === '+' ? 1 : 0, Infinity];
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.at));
      if (!m) return atom;
      this.at += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    } else return atom;
    if (this.peek() === '?') this.at++; // lazy: same work, other order
    if (max > 1 && max !== min && atom.varies) {
      throw new UnsafePattern('nested quantifiers are not allowed (e.g. (a+)+ or (a|b)*); use a character class such as [ab]* instead');
    }
    if (min === max) {
      if (min > 1 && atom.varies) throw new UnsafePattern('repeating a group that itself repeats or branches is not allowed (e.g. (.*a){3})');
      return atom;
    }
    if (max === Infinity) return { unbounded: atom.unbounded + 1, choices: atom.choices, varies: true };
    return { unbounded: atom.unbounded, choices: atom.choices * (max - min + 1), varies: true };
  }
}

/** C(n, k): how many ways k greedy unbounded quantifiers in a row can split an input of n characters. */
function combinations(n: number, k: number): number {
  let result = 1;
  for (let i = 0; i < k; i++) result = (result * (n - i)) / (i + 1);
  return result;
}

/**
 * Evaluates the patterns of one delivery within a budget of tests and time. Compiled patterns are kept
 * per container (patterns are few and reused by every delivery of a webhook).
 */
export class Matcher {
  private tests = 0;
  private readonly started = performance.now();
  exhausted = false;

  /** True when one of the patterns fully matches one of the inputs. */
  anyMatch(patterns: string[], inputs: readonly string[]): boolean {
    for (const input of inputs) {
      if (input.length > MAX_INPUT) continue;
      for (const pattern of patterns) {
        if (!this.spend()) return false;
        if (compiled(pattern)?.test(input)) return true;
      }
    }
    return false;
  }

  private spend(): boolean {
    if (this.exhausted) return false;
    this.tests++;
    if (this.tests > MAX_TESTS || performance.now() - this.started > MAX_MATCH_MS) this.exhausted = true;
    return !this.exhausted;
  }
}

const cache = new Map<string, RegExp | null>();

function compiled(pattern: string): RegExp | null {
  let re = cache.get(pattern);
  if (re === undefined) {
    // Saved patterns were checked; one that no longer passes (older rules) simply never matches.
    re = patternProblem(pattern) ? null : compile(pattern);
    if (cache.size >= 1000) cache.delete(cache.keys().next().value as string);
    cache.set(pattern, re);
  }
  return re;
}
