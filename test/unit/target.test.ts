import {
  MAX_TARGET_LENGTH_BYTES,
  decodePath,
  encodePath,
  isHiddenPath,
  normalisePath,
  parseRequestTarget,
} from '../../src/http/target';
import { HttpError } from '../../src/errors/http-error';
import type { ErrorCode } from '../../src/errors/codes';

/** The HttpError code `fn` throws, or undefined when it returns normally. */
function thrownCode(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError) return error.code;
    throw error;
  }
  return undefined;
}

describe('parseRequestTarget', () => {
  describe('accepted targets', () => {
    test.each([
      // [target, segments, trailingSlash, path, query]
      ['/', [], true, '/', ''],
      ['/a', ['a'], false, '/a', ''],
      ['/a/b/c.txt', ['a', 'b', 'c.txt'], false, '/a/b/c.txt', ''],
      ['/dir/', ['dir'], true, '/dir/', ''],
      ['/dir/.', ['dir'], true, '/dir/', ''],
      ['/dir/..', [], true, '/', ''],
      ['/a/b/..', ['a'], true, '/a/', ''],
      ['/a/./b', ['a', 'b'], false, '/a/b', ''],
      ['/a/../b', ['b'], false, '/b', ''],
      ['//evil.example/x', ['evil.example', 'x'], false, '/evil.example/x', ''],
      ['/a//b///c', ['a', 'b', 'c'], false, '/a/b/c', ''],
      ['/a%2fb', ['a', 'b'], false, '/a/b', ''],
      ['/a%2Fb', ['a', 'b'], false, '/a/b', ''],
      ['/%252e%252e/x', ['%2e%2e', 'x'], false, '/%2e%2e/x', ''],
      ['/caf%C3%A9', ['café'], false, '/café', ''],
      ['/a%20b', ['a b'], false, '/a b', ''],
      ['/%2e/a', ['a'], false, '/a', ''],
    ] as const)('%j parses to segments %j (trailingSlash %j, path %j)', (target, segments, trailingSlash, path, query) => {
      expect(parseRequestTarget(target)).toEqual({ segments, trailingSlash, path, query });
    });
  });

  describe('query string', () => {
    test.each([
      ['/a?b=1', ['a'], 'b=1'],
      ['/a?', ['a'], ''],
      ['/a?x=%zz&y=%2f', ['a'], 'x=%zz&y=%2f'],
      ['/a?next=/../etc', ['a'], 'next=/../etc'],
      ['/a?b?c', ['a'], 'b?c'],
      ['/?q', [], 'q'],
    ] as const)('%j keeps the query raw and undecoded (%j)', (target, segments, query) => {
      const parsed = parseRequestTarget(target);
      expect(parsed.segments).toEqual(segments);
      expect(parsed.query).toBe(query);
    });
  });

  describe('absolute-form', () => {
    test.each([
      ['http://host/a?b', ['a'], false, 'b'],
      ['http://host', [], true, ''],
      ['http://host?b', [], true, 'b'],
      ['http://host/', [], true, ''],
      ['HTTPS://h/x', ['x'], false, ''],
      ['https://h:8443/d/', ['d'], true, ''],
      ['http://host/a/../b', ['b'], false, ''],
    ] as const)('%j is accepted and only its path and query are kept', (target, segments, trailingSlash, query) => {
      const parsed = parseRequestTarget(target);
      expect(parsed.segments).toEqual(segments);
      expect(parsed.trailingSlash).toBe(trailingSlash);
      expect(parsed.query).toBe(query);
    });
  });

  describe('rejected targets', () => {
    test.each([
      // other request-target forms and fragments
      ['*', 'TH_ERR_TARGET_FORM'],
      ['example.com:443', 'TH_ERR_TARGET_FORM'],
      ['example.com', 'TH_ERR_TARGET_FORM'],
      ['', 'TH_ERR_TARGET_FORM'],
      ['ftp://host/a', 'TH_ERR_TARGET_FORM'],
      ['http:///a', 'TH_ERR_TARGET_FORM'],
      ['/a#frag', 'TH_ERR_TARGET_FORM'],
      ['/a?b#frag', 'TH_ERR_TARGET_FORM'],
      ['http://host/a#frag', 'TH_ERR_TARGET_FORM'],
      // climbing above the root is a 404, never clamped to the root
      ['/..', 'TH_ERR_NOT_FOUND'],
      ['/../etc/passwd', 'TH_ERR_NOT_FOUND'],
      ['/a/../../b', 'TH_ERR_NOT_FOUND'],
      ['/%2e%2e/x', 'TH_ERR_NOT_FOUND'],
      ['/%2E%2E/x', 'TH_ERR_NOT_FOUND'],
      ['/..%2f..%2fetc', 'TH_ERR_NOT_FOUND'],
      ['/a/%2e%2e%2f%2e%2e/b', 'TH_ERR_NOT_FOUND'],
      ['http://host/../x', 'TH_ERR_NOT_FOUND'],
      // malformed percent-escapes
      ['/%', 'TH_ERR_PATH_ENCODING'],
      ['/a%', 'TH_ERR_PATH_ENCODING'],
      ['/%z1', 'TH_ERR_PATH_ENCODING'],
      ['/%1', 'TH_ERR_PATH_ENCODING'],
      ['/%1g', 'TH_ERR_PATH_ENCODING'],
      // NUL and other control characters, raw or escaped
      ['/a%00b', 'TH_ERR_PATH_ENCODING'],
      ['/a%00', 'TH_ERR_PATH_ENCODING'],
      ['/a%0d%0aSet-Cookie:x', 'TH_ERR_PATH_ENCODING'],
      ['/a%09b', 'TH_ERR_PATH_ENCODING'],
      ['/a%1bb', 'TH_ERR_PATH_ENCODING'],
      ['/a%7fb', 'TH_ERR_PATH_ENCODING'],
      ['/a\u0000b', 'TH_ERR_PATH_ENCODING'],
      ['/a\tb', 'TH_ERR_PATH_ENCODING'],
      ['/a\u007fb', 'TH_ERR_PATH_ENCODING'],
      // invalid UTF-8, overlong encodings included
      ['/%ff', 'TH_ERR_PATH_ENCODING'],
      ['/%c0%ae', 'TH_ERR_PATH_ENCODING'],
      ['/%c0%ae%c0%ae/x', 'TH_ERR_PATH_ENCODING'],
      ['/%e0%80%ae', 'TH_ERR_PATH_ENCODING'],
      ['/%c3', 'TH_ERR_PATH_ENCODING'],
      ['/%ed%a0%80', 'TH_ERR_PATH_ENCODING'],
      // backslash, raw or escaped
      ['/a\\b', 'TH_ERR_PATH_BACKSLASH'],
      ['/..\\etc', 'TH_ERR_PATH_BACKSLASH'],
      ['/a%5cb', 'TH_ERR_PATH_BACKSLASH'],
      ['/a%5Cb', 'TH_ERR_PATH_BACKSLASH'],
      ['/%2e%2e%5c%2e%2e%5cetc', 'TH_ERR_PATH_BACKSLASH'],
    ] as const)('%j is rejected with %s', (target, code) => {
      expect(thrownCode(() => parseRequestTarget(target))).toBe(code);
    });
  });

  describe('length limit', () => {
    test.each([
      [MAX_TARGET_LENGTH_BYTES, undefined],
      [MAX_TARGET_LENGTH_BYTES + 1, 'TH_ERR_URI_TOO_LONG'],
      [MAX_TARGET_LENGTH_BYTES * 4, 'TH_ERR_URI_TOO_LONG'],
    ] as const)('a target of %i characters gives %s', (length, code) => {
      const target = '/' + 'a'.repeat(length - 1);
      expect(thrownCode(() => parseRequestTarget(target))).toBe(code);
    });

    test('the length limit is checked before the target form', () => {
      expect(thrownCode(() => parseRequestTarget('*'.repeat(MAX_TARGET_LENGTH_BYTES + 1)))).toBe('TH_ERR_URI_TOO_LONG');
    });
  });

  test('the thrown HttpError carries the status of its code', () => {
    let caught: unknown;
    try {
      parseRequestTarget('/..');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HttpError);
    expect((caught as HttpError).status).toBe(404);
  });

  test.each(['/a', '/a/b/', '/..%2f', '/%2e%2e', '//x//y', '/%252e%252e/'])(
    'every segment of a parsed %j is non-empty and free of "/", "\\\\", NUL, "." and ".."',
    (target) => {
      let segments: readonly string[] = [];
      try {
        segments = parseRequestTarget(target).segments;
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
      }
      for (const segment of segments) {
        expect(segment).not.toBe('');
        expect(segment).not.toBe('.');
        expect(segment).not.toBe('..');
        expect(segment).not.toMatch(/[/\\\u0000]/);
      }
    },
  );
});

describe('decodePath', () => {
  test.each([
    ['/plain', '/plain'],
    ['/a%20b', '/a b'],
    ['/%41%42', '/AB'],
    ['/a%2fb', '/a/b'],
    ['/%252e', '/%2e'],
    ['/caf%C3%A9', '/café'],
    ['/caf%c3%a9', '/café'],
    ['/%E2%82%AC', '/€'],
    ['/%F0%9F%98%80', '/😀'],
    ['/%2e%2e', '/..'],
    ['/a%5cb', '/a\\b'],
  ])('decodes %j exactly once into %j', (raw, decoded) => {
    expect(decodePath(raw)).toBe(decoded);
  });

  test.each(['/%', '/%z1', '/%1', '/%00', '/\u0000', '/%ff', '/%c0%ae', '/%e0%80%ae', '/%0a', '/%1f', '/%7f', '/%e9%80', '/\u00e9%41'])(
    '%j is rejected as TH_ERR_PATH_ENCODING',
    (raw) => {
      expect(thrownCode(() => decodePath(raw))).toBe('TH_ERR_PATH_ENCODING');
    },
  );
});

describe('normalisePath', () => {
  test.each([
    ['/', [], true],
    ['', [], true],
    ['/a/b', ['a', 'b'], false],
    ['a/b', ['a', 'b'], false],
    ['/a/b/', ['a', 'b'], true],
    ['/a/./b/.', ['a', 'b'], true],
    ['/a/b/../c', ['a', 'c'], false],
    ['/a/b/../../c', ['c'], false],
    ['/a/..', [], true],
    ['///a', ['a'], false],
    ['/...', ['...'], false],
    ['/..a/a..', ['..a', 'a..'], false],
  ] as const)('%j normalises to %j (trailingSlash %j)', (decoded, segments, trailingSlash) => {
    const result = normalisePath(decoded);
    expect(result.segments).toEqual(segments);
    expect(result.trailingSlash).toBe(trailingSlash);
  });

  test.each([
    ['/..', 'TH_ERR_NOT_FOUND'],
    ['/a/../..', 'TH_ERR_NOT_FOUND'],
    ['/../a', 'TH_ERR_NOT_FOUND'],
    ['/a\\b', 'TH_ERR_PATH_BACKSLASH'],
    ['/\\', 'TH_ERR_PATH_BACKSLASH'],
  ] as const)('%j is rejected with %s', (decoded, code) => {
    expect(thrownCode(() => normalisePath(decoded))).toBe(code);
  });

  test('passes the query through untouched', () => {
    expect(normalisePath('/a', 'x=%2f').query).toBe('x=%2f');
  });

  test('defaults the query to the empty string', () => {
    expect(normalisePath('/a').query).toBe('');
  });
});

describe('isHiddenPath', () => {
  test.each([
    [[], false],
    [['index.html'], false],
    [['a', 'b.txt'], false],
    [['a.b'], false],
    [['.env'], true],
    [['.git', 'config'], true],
    [['a', '.git', 'x'], true],
    [['a', 'b', '.htpasswd'], true],
    [['.well-known'], false],
    [['.well-known', 'x'], false],
    [['.well-known', 'acme-challenge', 'token'], false],
    [['.well-known', '.secret'], true],
    [['x', '.well-known'], true],
    [['x', '.well-known', 'y'], true],
    [['.Well-Known', 'x'], true],
  ] as const)('%j is hidden: %j', (segments, hidden) => {
    expect(isHiddenPath(segments)).toBe(hidden);
  });
});

describe('encodePath', () => {
  test.each([
    [[], false, '/'],
    [[], true, '/'],
    [['a'], false, '/a'],
    [['dir'], true, '/dir/'],
    [['a', 'b'], true, '/a/b/'],
    [['a b'], false, '/a%20b'],
    [['<script>'], false, '/%3Cscript%3E'],
    [['what?'], false, '/what%3F'],
    [['#1'], false, '/%231'],
    [['100%'], false, '/100%25'],
    [['café'], false, '/caf%C3%A9'],
    [['%2e%2e'], false, '/%252e%252e'],
  ] as const)('%j (trailingSlash %j) encodes to %j', (segments, trailingSlash, encoded) => {
    expect(encodePath(segments, trailingSlash)).toBe(encoded);
  });

  test.each([
    [['a b', 'c'], false],
    [['<x>', 'y"z'], false],
    [['what?', 'and#more'], true],
    [['100%', '%41'], false],
    [['café', '😀'], true],
    [['%2e%2e', 'x'], false],
    [['semi;colon', 'a&b=c', "it's"], false],
    [[], true],
  ] as const)('%j (trailingSlash %j) survives encodePath → parseRequestTarget unchanged', (segments, trailingSlash) => {
    const encoded = encodePath(segments, trailingSlash);
    expect(encoded.startsWith('/')).toBe(true);
    expect(encoded).not.toMatch(/[ <>?#"]/);
    const parsed = parseRequestTarget(encoded);
    expect(parsed.segments).toEqual(segments);
    expect(parsed.trailingSlash).toBe(trailingSlash);
    expect(parsed.query).toBe('');
  });
});
