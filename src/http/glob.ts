// Path globs, matched segment by segment with memoisation: time proportional to pattern × path
// segments, no regex backtracking across segments to exploit. Used by authorization rules (plain
// globs) and by the asset rules of the config file (extended globs: classes, counts, alternatives).

import { ConfigError } from '../errors/http-error';

const ANY_SEGMENTS = '**';

/** One segment's pattern: `*` any run of characters, `?` one; the rest literal. */
function compileSegment(segment: string): RegExp {
  let source = '';
  for (const char of segment) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // `s`: `.` must match every character, U+2028 and U+2029 included, or odd names slip past rules.
  return new RegExp(`^${source}$`, 's');
}

/**
 * `**` matches any number of whole segments (so `/private/**` also covers `/private` and
 * `/private/`), `*` anything within one segment, `?` one character. Matching walks segments with
 * memoisation, in time proportional to pattern × path segments: no regex backtracking to exploit.
 */
export function compileGlob(pattern: string, segmentCompiler: (segment: string) => RegExp = compileSegment): (path: string) => boolean {
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
      else result = j < segments.length && matchers[i]!.test(segments[j]) && match(i + 1, j + 1);
      memo[key] = result ? 1 : 2;
      return result;
    };
    return match(0, 0);
  };
}

/**
 * An asset-rule glob: like the rules' globs, plus `[0-9a-f]` classes (`[!…]` negated), counts
 * after a class or `?` (`[0-9a-f]{8}`, `?{2,4}`) and alternatives (`{js,css}`). A pattern without
 * a `/` matches the last segment at any depth (`*.html` matches `/a/b/page.html`).
 */
export function compileAssetGlob(pattern: string): (path: string) => boolean {
  const full = pattern.includes('/') ? pattern : `/**/${pattern}`;
  return compileGlob(full, (segment) => compileExtendedSegment(segment, pattern));
}

const REGEX_SPECIAL = /[.+^$()|[\]\\{}*?]/g;

function compileExtendedSegment(segment: string, pattern: string): RegExp {
  const fail = (why: string) => new ConfigError(`glob ${JSON.stringify(pattern)}: ${why}`);
  let source = '';
  /** Whether the last piece may take a count: a class, `?` or a literal character. */
  let countable = false;
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i];
    if (char === '*') {
      source += '.*';
      countable = false;
    } else if (char === '?') {
      source += '.';
      countable = true;
    } else if (char === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end === -1) throw fail('unclosed [');
      let body = segment.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      if (body === '' || /[\\[]/.test(body)) throw fail('bad character class');
      source += `[${negated ? '^' : ''}${body.replace(/\]/g, '\\]')}]`;
      i = end;
      countable = true;
    } else if (char === '{') {
      const end = segment.indexOf('}', i);
      if (end === -1) throw fail('unclosed {');
      const body = segment.slice(i + 1, end);
      if (/^[0-9]{1,3}(,[0-9]{0,3})?$/.test(body)) {
        if (!countable) throw fail('a count must follow a class, ? or a character');
        source += `{${body}}`;
        countable = false;
      } else {
        const alternatives = body.split(',');
        if (alternatives.some((alternative) => alternative === '' || /[*?[\]{}]/.test(alternative))) throw fail('bad {alternatives}');
        source += `(?:${alternatives.map((alternative) => alternative.replace(REGEX_SPECIAL, '\\$&')).join('|')})`;
        countable = false;
      }
      i = end;
    } else {
      source += char.replace(REGEX_SPECIAL, '\\$&');
      countable = true;
    }
  }
  return new RegExp(`^${source}$`, 's');
}
