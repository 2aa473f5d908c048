// Path globs, for authorization rules (plain globs) and the config file's asset rules (extended
// globs: classes, counts, alternatives). SECURITY: no regular expressions. Rules are matched
// against request paths of up to 8 KiB before any file is looked up, and `*-*-*` compiled to a
// backtracking regex took seconds on one long segment. Segments are matched by dynamic
// programming over (pattern atom, position): time proportional to atoms × segment length.

import { ConfigError } from '../errors/http-error';

const ANY_SEGMENTS = '**';
/** Largest `{n}` / `{n,m}` count accepted in an asset glob. */
const MAX_COUNT = 64;

/** One piece of a segment pattern. */
type Atom =
  | { readonly kind: 'star' }
  /** Between `min` and `max` characters that each pass `test` (a literal, `?`, or a class). */
  | { readonly kind: 'chars'; readonly test: (code: number) => boolean; min: number; max: number }
  | { readonly kind: 'alternatives'; readonly options: readonly string[] };

export type SegmentMatcher = (segment: string) => boolean;

/** True when `atoms` match the whole of `text`; O(atoms × text × largest count). */
function matchAtoms(atoms: readonly Atom[], text: string): boolean {
  const width = text.length + 1;
  // next[j]: atoms[i+1..] match text[j..]; row[j]: atoms[i..] match text[j..].
  let next = new Uint8Array(width);
  next[text.length] = 1;
  for (let i = atoms.length - 1; i >= 0; i--) {
    const atom = atoms[i];
    const row = new Uint8Array(width);
    for (let j = text.length; j >= 0; j--) {
      if (atom.kind === 'star') {
        row[j] = next[j] === 1 || (j < text.length && row[j + 1] === 1) ? 1 : 0;
      } else if (atom.kind === 'chars') {
        for (let k = 0; k <= atom.max; k++) {
          if (k >= atom.min && next[j + k] === 1) {
            row[j] = 1;
            break;
          }
          if (j + k >= text.length || !atom.test(text.charCodeAt(j + k))) break;
        }
      } else {
        for (const option of atom.options) {
          if (text.startsWith(option, j) && next[j + option.length] === 1) {
            row[j] = 1;
            break;
          }
        }
      }
    }
    next = row;
  }
  return next[0] === 1;
}

const literal = (code: number) => (other: number) => other === code;
const anyChar = () => true;

/** A plain segment: `*` any run of characters, `?` one; the rest literal. */
function compileSegment(segment: string): SegmentMatcher {
  const atoms: Atom[] = [];
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i];
    if (char === '*') {
      if (atoms[atoms.length - 1]?.kind !== 'star') atoms.push({ kind: 'star' });
    } else atoms.push({ kind: 'chars', test: char === '?' ? anyChar : literal(segment.charCodeAt(i)), min: 1, max: 1 });
  }
  return (text) => matchAtoms(atoms, text);
}

/**
 * `**` matches any number of whole segments (so `/private/**` also covers `/private` and
 * `/private/`), `*` anything within one segment, `?` one character. Matching walks segments with
 * memoisation, in time proportional to pattern × path segments.
 */
export function compileGlob(pattern: string, segmentCompiler: (segment: string) => SegmentMatcher = compileSegment): (path: string) => boolean {
  if (!pattern.startsWith('/')) throw new ConfigError(`rule path ${JSON.stringify(pattern)} must start with /`);
  const parts = pattern.slice(1).split('/').filter((part, i, all) => !(part === ANY_SEGMENTS && all[i - 1] === ANY_SEGMENTS));
  const matchers = parts.map((part) => (part === ANY_SEGMENTS ? null : segmentCompiler(part)));
  return (path) => {
    const segments = path.slice(1).split('/');
    const columns = segments.length + 1;
    // 0 unknown, 1 match, 2 no match; index = pattern position × columns + segment position.
    const memo = new Uint8Array((matchers.length + 1) * columns);
    const match = (i: number, j: number): boolean => {
      const key = i * columns + j;
      if (memo[key] !== 0) return memo[key] === 1;
      let result: boolean;
      if (i === matchers.length) result = j === segments.length;
      else if (matchers[i] === null) result = match(i + 1, j) || (j < segments.length && match(i, j + 1));
      else result = j < segments.length && matchers[i]!(segments[j]) && match(i + 1, j + 1);
      memo[key] = result ? 1 : 2;
      return result;
    };
    return match(0, 0);
  };
}

/**
 * An asset-rule glob: like the rules' globs, plus `[0-9a-f]` classes (`[!…]` negated), counts
 * after a class, `?` or a character (`[0-9a-f]{8}`, `?{2,4}`) and alternatives (`{js,css}`). A
 * pattern without a `/` matches the last segment at any depth (`*.html` matches `/a/b/page.html`).
 */
export function compileAssetGlob(pattern: string): (path: string) => boolean {
  const full = pattern.includes('/') ? pattern : `/**/${pattern}`;
  return compileGlob(full, (segment) => compileExtendedSegment(segment, pattern));
}

function compileExtendedSegment(segment: string, pattern: string): SegmentMatcher {
  const fail = (why: string) => new ConfigError(`glob ${JSON.stringify(pattern)}: ${why}`);
  const atoms: Atom[] = [];
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i];
    const last = atoms[atoms.length - 1];
    if (char === '*') {
      if (last?.kind !== 'star') atoms.push({ kind: 'star' });
    } else if (char === '?') {
      atoms.push({ kind: 'chars', test: anyChar, min: 1, max: 1 });
    } else if (char === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end === -1) throw fail('unclosed [');
      atoms.push({ kind: 'chars', test: compileClass(segment.slice(i + 1, end), fail), min: 1, max: 1 });
      i = end;
    } else if (char === '{') {
      const end = segment.indexOf('}', i);
      if (end === -1) throw fail('unclosed {');
      const body = segment.slice(i + 1, end);
      const count = /^([0-9]{1,3})(?:(,)([0-9]{0,3}))?$/.exec(body);
      if (count !== null) {
        // A count repeats the piece before it: a class, `?` or one character.
        if (last?.kind !== 'chars' || last.min !== 1 || last.max !== 1) throw fail('a count must follow a class, ? or a character');
        const min = Number(count[1]);
        const max = count[2] === undefined ? min : count[3] === '' ? MAX_COUNT : Number(count[3]);
        if (max < min || max > MAX_COUNT) throw fail(`counts must be at most ${MAX_COUNT}, smallest first`);
        last.min = min;
        last.max = max;
      } else {
        const options = body.split(',');
        if (options.some((option) => option === '' || /[*?[\]{}]/.test(option))) throw fail('bad {alternatives}');
        atoms.push({ kind: 'alternatives', options });
      }
      i = end;
    } else if (char === ']' || char === '}') {
      throw fail(`unmatched ${char}`);
    } else {
      atoms.push({ kind: 'chars', test: literal(segment.charCodeAt(i)), min: 1, max: 1 });
    }
  }
  return (text) => matchAtoms(atoms, text);
}

/** `0-9a-f`, `!.` (negated): single characters and ascending ranges. */
function compileClass(body: string, fail: (why: string) => ConfigError): (code: number) => boolean {
  const negated = body.startsWith('!') || body.startsWith('^');
  const members = negated ? body.slice(1) : body;
  if (members === '' || members.includes('[') || members.includes('\\')) throw fail('bad character class');
  const ranges: [number, number][] = [];
  for (let i = 0; i < members.length; i++) {
    const from = members.charCodeAt(i);
    if (members[i + 1] === '-' && i + 2 < members.length) {
      const to = members.charCodeAt(i + 2);
      if (to < from) throw fail(`range ${members.slice(i, i + 3)} runs backwards`);
      ranges.push([from, to]);
      i += 2;
    } else ranges.push([from, from]);
  }
  return (code) => ranges.some(([from, to]) => code >= from && code <= to) !== negated;
}
