import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  evaluatePreconditions,
  isRangeFresh,
  isStrongMatch,
  isWeakMatch,
  parseEntityTags,
  parseHttpDate,
  type ConditionalHeaders,
  type PreconditionOutcome,
  type Validators,
} from '../../src/http/conditional';

// Sun, 06 Nov 1994 08:49:37 GMT, the RFC 9110 example date.
const RFC_DATE_MS = 784_111_777_000;
const IMF = 'Sun, 06 Nov 1994 08:49:37 GMT';
const IMF_ONE_SECOND_EARLIER = 'Sun, 06 Nov 1994 08:49:36 GMT';
const IMF_ONE_SECOND_LATER = 'Sun, 06 Nov 1994 08:49:38 GMT';

const ETAG = '"3e8-5f1a"';
const OTHER = '"other"';
/** Last-Modified with a sub-second part, as a real file system reports it. */
const VALIDATORS: Validators = { etag: ETAG, lastModifiedMs: RFC_DATE_MS + 750 };

describe('parseEntityTags', () => {
  test.each([
    ['*', '*'],
    [' * ', '*'],
    ['"a"', [{ weak: false, opaque: '"a"' }]],
    ['W/"a"', [{ weak: true, opaque: '"a"' }]],
    ['""', [{ weak: false, opaque: '""' }]],
    ['"a", W/"b" ,"c"', [{ weak: false, opaque: '"a"' }, { weak: true, opaque: '"b"' }, { weak: false, opaque: '"c"' }]],
    ['a, "b"', [{ weak: false, opaque: '"b"' }]],
    ['w/"a"', []],
    ['"a', []],
    ['"a"b"', []],
    ['"a b"', []],
    ['', []],
    ['"a", *', [{ weak: false, opaque: '"a"' }]],
  ] as const)('%j parses to %j', (header, expected) => {
    expect(parseEntityTags(header)).toEqual(expected);
  });
});

describe('isStrongMatch', () => {
  test.each([
    ['"x"', '"x"', true],
    ['"a", "x"', '"x"', true],
    ['*', '"x"', true],
    ['"y"', '"x"', false],
    ['W/"x"', '"x"', false],
    ['"x"', 'W/"x"', false],
    ['W/"x"', 'W/"x"', false],
    ['x', '"x"', false],
    ['"X"', '"x"', false],
    ['', '"x"', false],
  ] as const)('If-Match %j against ETag %j matches strongly: %j', (header, etag, expected) => {
    expect(isStrongMatch(header, etag)).toBe(expected);
  });
});

describe('isWeakMatch', () => {
  test.each([
    ['"x"', '"x"', true],
    ['W/"x"', '"x"', true],
    ['"x"', 'W/"x"', true],
    ['W/"x"', 'W/"x"', true],
    ['"a", W/"x"', '"x"', true],
    ['*', '"x"', true],
    ['"y"', '"x"', false],
    ['W/"y"', '"x"', false],
    ['x', '"x"', false],
    ['', '"x"', false],
  ] as const)('If-None-Match %j against ETag %j matches weakly: %j', (header, etag, expected) => {
    expect(isWeakMatch(header, etag)).toBe(expected);
  });
});

describe('parseHttpDate', () => {
  test.each([
    ['IMF-fixdate', IMF],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime', 'Sun Nov  6 08:49:37 1994'],
  ])('parses the %s form', (_form, value) => {
    expect(parseHttpDate(value)).toBe(RFC_DATE_MS);
  });

  test.each([[undefined], [''], ['garbage'], ['not a date'], ['Sun, 32 Foo 1994 99:99:99 GMT']])(
    '%j is not a date (undefined)',
    (value) => {
      expect(parseHttpDate(value)).toBeUndefined();
    },
  );

  // Bug: parseHttpDate is Date.parse, which accepts many strings that are not HTTP-dates.
  // RFC 9110 §13.1.3/§13.1.4 require ignoring If-(Un)Modified-Since values that are not valid HTTP-dates.
  test.each([['1'], ['2020-01-01'], ['2020-01-01T00:00:00Z'], ['12/31/1999']])(
    '%j is not an HTTP-date, so it is undefined',
    (value) => {
      expect(parseHttpDate(value)).toBeUndefined();
    },
  );

  // Bug: asctime-date carries no zone but is UTC (RFC 9110 §5.6.7); Date.parse reads it as local time.
  // Jest's sandboxed process.env cannot change the time zone, so this runs parseHttpDate in a child
  // Node process whose TZ is not UTC (the module is transpiled there with the project's TypeScript).
  describe('in a server whose local time zone is not UTC (America/New_York)', () => {
    const forms = [
      ['IMF-fixdate', IMF],
      ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT'],
      ['asctime', 'Sun Nov  6 08:49:37 1994'],
    ] as const;
    let parsedInNewYork: Record<string, number | null> = {};

    beforeAll(() => {
      const script = `
        const ts = require('typescript');
        const source = require('fs').readFileSync(process.argv[1], 'utf8');
        const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
        const mod = { exports: {} };
        new Function('exports', 'require', 'module', js)(mod.exports, require, mod);
        const out = {};
        for (const value of JSON.parse(process.argv[2])) out[value] = mod.exports.parseHttpDate(value) ?? null;
        process.stdout.write(JSON.stringify(out));
      `;
      const child = spawnSync(
        process.execPath,
        ['-e', script, path.join(__dirname, '../../src/http/conditional.ts'), JSON.stringify(forms.map(([, value]) => value))],
        { cwd: path.join(__dirname, '../..'), env: { ...process.env, TZ: 'America/New_York' }, encoding: 'utf8' },
      );
      if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
      parsedInNewYork = JSON.parse(child.stdout) as Record<string, number | null>;
    });

    test.each(forms)('the %s form is still read as UTC', (_form, value) => {
      expect(parsedInNewYork[value]).toBe(RFC_DATE_MS);
    });
  });
});

describe('evaluatePreconditions (RFC 9110 §13.2.2)', () => {
  type Row = [string, ConditionalHeaders, boolean, PreconditionOutcome];
  const SAFE = true;
  const UNSAFE = false;

  test.each<Row>([
    // no conditions
    ['no conditional headers, GET', {}, SAFE, 'proceed'],
    ['no conditional headers, PUT', {}, UNSAFE, 'proceed'],

    // step 1: If-Match
    ['If-Match matching', { ifMatch: ETAG }, SAFE, 'proceed'],
    ['If-Match in a list', { ifMatch: `${OTHER}, ${ETAG}` }, SAFE, 'proceed'],
    ['If-Match not matching, GET', { ifMatch: OTHER }, SAFE, 'precondition-failed'],
    ['If-Match not matching, PUT', { ifMatch: OTHER }, UNSAFE, 'precondition-failed'],
    ['If-Match weak tag (strong comparison fails)', { ifMatch: `W/${ETAG}` }, SAFE, 'precondition-failed'],
    ['If-Match *', { ifMatch: '*' }, SAFE, 'proceed'],
    ['If-Match * on an unsafe method', { ifMatch: '*' }, UNSAFE, 'proceed'],
    ['If-Match malformed (no valid member)', { ifMatch: 'garbage' }, SAFE, 'precondition-failed'],

    // step 2: If-Unmodified-Since, only without If-Match
    ['If-Unmodified-Since equal (same second)', { ifUnmodifiedSince: IMF }, SAFE, 'proceed'],
    ['If-Unmodified-Since later', { ifUnmodifiedSince: IMF_ONE_SECOND_LATER }, SAFE, 'proceed'],
    ['If-Unmodified-Since earlier', { ifUnmodifiedSince: IMF_ONE_SECOND_EARLIER }, SAFE, 'precondition-failed'],
    ['If-Unmodified-Since earlier, PUT', { ifUnmodifiedSince: IMF_ONE_SECOND_EARLIER }, UNSAFE, 'precondition-failed'],
    ['If-Unmodified-Since invalid is ignored', { ifUnmodifiedSince: 'garbage' }, SAFE, 'proceed'],
    ['If-Unmodified-Since ignored when If-Match matches', { ifMatch: ETAG, ifUnmodifiedSince: IMF_ONE_SECOND_EARLIER }, SAFE, 'proceed'],
    ['If-Match failure wins over a passing If-Unmodified-Since', { ifMatch: OTHER, ifUnmodifiedSince: IMF_ONE_SECOND_LATER }, SAFE, 'precondition-failed'],

    // step 3: If-None-Match
    ['If-None-Match matching, GET', { ifNoneMatch: ETAG }, SAFE, 'not-modified'],
    ['If-None-Match matching, unsafe', { ifNoneMatch: ETAG }, UNSAFE, 'precondition-failed'],
    ['If-None-Match weak form of the ETag (weak comparison)', { ifNoneMatch: `W/${ETAG}` }, SAFE, 'not-modified'],
    ['If-None-Match in a list', { ifNoneMatch: `${OTHER}, W/${ETAG}` }, SAFE, 'not-modified'],
    ['If-None-Match *, GET', { ifNoneMatch: '*' }, SAFE, 'not-modified'],
    ['If-None-Match *, unsafe', { ifNoneMatch: '*' }, UNSAFE, 'precondition-failed'],
    ['If-None-Match not matching, GET', { ifNoneMatch: OTHER }, SAFE, 'proceed'],
    ['If-None-Match not matching, unsafe', { ifNoneMatch: OTHER }, UNSAFE, 'proceed'],
    ['If-Match passes then If-None-Match matches', { ifMatch: ETAG, ifNoneMatch: ETAG }, SAFE, 'not-modified'],
    ['If-Match fails before If-None-Match is looked at', { ifMatch: OTHER, ifNoneMatch: ETAG }, SAFE, 'precondition-failed'],
    ['If-Unmodified-Since fails before If-None-Match is looked at', { ifUnmodifiedSince: IMF_ONE_SECOND_EARLIER, ifNoneMatch: ETAG }, SAFE, 'precondition-failed'],

    // step 4: If-Modified-Since, only for GET/HEAD and only without If-None-Match
    ['If-Modified-Since equal (same second, fractional Last-Modified)', { ifModifiedSince: IMF }, SAFE, 'not-modified'],
    ['If-Modified-Since later', { ifModifiedSince: IMF_ONE_SECOND_LATER }, SAFE, 'not-modified'],
    ['If-Modified-Since earlier', { ifModifiedSince: IMF_ONE_SECOND_EARLIER }, SAFE, 'proceed'],
    ['If-Modified-Since invalid is ignored', { ifModifiedSince: 'garbage' }, SAFE, 'proceed'],
    ['If-Modified-Since on an unsafe method is ignored', { ifModifiedSince: IMF_ONE_SECOND_LATER }, UNSAFE, 'proceed'],
    ['If-Modified-Since ignored when If-None-Match does not match', { ifNoneMatch: OTHER, ifModifiedSince: IMF_ONE_SECOND_LATER }, SAFE, 'proceed'],
    ['If-None-Match match wins over an older If-Modified-Since', { ifNoneMatch: ETAG, ifModifiedSince: IMF_ONE_SECOND_EARLIER }, SAFE, 'not-modified'],
    ['If-Modified-Since in RFC 850 form', { ifModifiedSince: 'Sunday, 06-Nov-94 08:49:37 GMT' }, SAFE, 'not-modified'],

    // combinations
    ['If-Unmodified-Since passes then If-Modified-Since says not modified', { ifUnmodifiedSince: IMF, ifModifiedSince: IMF }, SAFE, 'not-modified'],
    ['all four headers passing and matching', { ifMatch: ETAG, ifUnmodifiedSince: IMF_ONE_SECOND_EARLIER, ifNoneMatch: OTHER, ifModifiedSince: IMF_ONE_SECOND_EARLIER }, SAFE, 'proceed'],
  ])('%s → %s', (_name, headers, isSafe, outcome) => {
    expect(evaluatePreconditions(headers, VALIDATORS, isSafe)).toBe(outcome);
  });

  test.each([
    [RFC_DATE_MS, IMF, 'not-modified'],
    [RFC_DATE_MS + 999, IMF, 'not-modified'],
    [RFC_DATE_MS + 1000, IMF, 'proceed'],
    [RFC_DATE_MS - 1, IMF, 'not-modified'],
  ] as const)('If-Modified-Since compares whole seconds: Last-Modified %i ms vs %j → %s', (lastModifiedMs, ims, outcome) => {
    expect(evaluatePreconditions({ ifModifiedSince: ims }, { etag: ETAG, lastModifiedMs }, SAFE)).toBe(outcome);
  });

  test.each([
    [RFC_DATE_MS, IMF, 'proceed'],
    [RFC_DATE_MS + 999, IMF, 'proceed'],
    [RFC_DATE_MS + 1000, IMF, 'precondition-failed'],
  ] as const)('If-Unmodified-Since compares whole seconds: Last-Modified %i ms vs %j → %s', (lastModifiedMs, ius, outcome) => {
    expect(evaluatePreconditions({ ifUnmodifiedSince: ius }, { etag: ETAG, lastModifiedMs }, UNSAFE)).toBe(outcome);
  });
});

describe('isRangeFresh', () => {
  test.each([
    ['absent', undefined, true],
    ['same strong ETag', ETAG, true],
    ['same strong ETag with surrounding whitespace', `  ${ETAG} `, true],
    ['different ETag', OTHER, false],
    ['weak form of the ETag (never matches)', `W/${ETAG}`, false],
    ['date equal to Last-Modified (same second)', IMF, true],
    ['date one second earlier', IMF_ONE_SECOND_EARLIER, false],
    ['date one second later', IMF_ONE_SECOND_LATER, false],
    ['garbage', 'garbage', false],
    ['empty', '', false],
    ['*', '*', false],
  ] as const)('If-Range %s (%j) → fresh: %j', (_name, ifRange, fresh) => {
    expect(isRangeFresh(ifRange, VALIDATORS)).toBe(fresh);
  });

  test('a weak current ETag never satisfies If-Range', () => {
    expect(isRangeFresh('W/"x"', { etag: 'W/"x"', lastModifiedMs: RFC_DATE_MS })).toBe(false);
    expect(isRangeFresh('"x"', { etag: 'W/"x"', lastModifiedMs: RFC_DATE_MS })).toBe(false);
  });
});
