import { compileGlob, compileRules, decide, type Principal } from '../../src/auth/rules';
import { ConfigError } from '../../src/errors/http-error';

describe('compileGlob', () => {
  test.each([
    // [pattern, path, matches]
    ['/private/**', '/private', true],
    ['/private/**', '/private/', true],
    ['/private/**', '/private/a', true],
    ['/private/**', '/private/a/b', true],
    ['/private/**', '/privatex', false],
    ['/private/**', '/privatex/a', false],
    ['/private/**', '/x/private', false],
    ['/private/**', '/x/private/a', false],
    ['/**', '/', true],
    ['/**', '/a/b/c.txt', true],
    ['/**', '', true],
    ['/*.html', '/a.html', true],
    ['/*.html', '/.html', true],
    ['/*.html', '/a/b.html', false],
    ['/*.html', '/a.htm', false],
    ['/*.html', '/axhtml', false],
    ['/docs/*', '/docs/a', true],
    ['/docs/*', '/docs/', true],
    ['/docs/*', '/docs/a/b', false],
    ['/docs/*', '/docs', false],
    ['/a?c', '/abc', true],
    ['/a?c', '/a.c', true],
    ['/a?c', '/ac', false],
    ['/a?c', '/abbc', false],
    ['/a?c', '/a/c', false],
    ['/**/secret.txt', '/a/b/secret.txt', true],
    ['/**/secret.txt', '/secret.txt', true],
    ['/private/**', '/private/\u2028x.txt', true],
    ['/private/*.txt', '/private/\u2029.txt', true],
    ['/exact', '/exact', true],
    ['/exact', '/exact/', false],
    ['/exact', '/EXACT', false],
    // regex metacharacters are literal
    ['/a+b/(x)', '/a+b/(x)', true],
    ['/a+b/(x)', '/aab/x', false],
    ['/a+b/(x)', '/ab/x', false],
    ['/file.txt', '/file.txt', true],
    ['/file.txt', '/fileXtxt', false],
    ['/[ab]', '/[ab]', true],
    ['/[ab]', '/a', false],
    ['/a|b', '/a|b', true],
    ['/a|b', '/a', false],
    ['/$x^{2}', '/$x^{2}', true],
    ['/back\\slash', '/back\\slash', true],
    ['/back\\slash', '/backslash', false],
  ])('%j against %j → %s', (pattern, path, expected) => {
    expect(compileGlob(pattern)(path)).toBe(expected);
  });

  test.each(['private/**', '', '*.html', '**'])('a pattern not starting with / (%j) is a ConfigError', (pattern) => {
    expect(() => compileGlob(pattern)).toThrow(ConfigError);
    expect(() => compileGlob(pattern)).toThrow(`rule path ${JSON.stringify(pattern)} must start with /`);
  });
});

describe('compileRules', () => {
  const LABEL = '--auth-rules';

  test('compiles a valid rule list', () => {
    const rules = compileRules(
      [
        { path: '/private/**', allow: ['role:admin', 'user:alice'], methods: ['get', 'HEAD'] },
        { path: '/**', allow: ['*', 'authenticated'] },
      ],
      LABEL,
    );
    expect(rules).toHaveLength(2);
    expect(rules[0].pattern).toBe('/private/**');
    expect([...rules[0].methods!]).toEqual(['GET', 'HEAD']);
    expect([...rules[0].users]).toEqual(['alice']);
    expect([...rules[0].roles]).toEqual(['admin']);
    expect(rules[0].anyone).toBe(false);
    expect(rules[0].authenticated).toBe(false);
    expect(rules[1].methods).toBeUndefined();
    expect(rules[1].anyone).toBe(true);
    expect(rules[1].authenticated).toBe(true);
  });

  test('an empty array is a valid (empty) rule list', () => {
    expect(compileRules([], LABEL)).toEqual([]);
  });

  test.each([
    ['not an array', { path: '/**', allow: ['*'] }, `${LABEL} must be a JSON array of rules`],
    ['null instead of an array', null, `${LABEL} must be a JSON array of rules`],
    ['a rule that is not an object', [{ path: '/**', allow: ['*'] }, 'x'], `${LABEL} rule 2 must be an object`],
    ['a rule that is null', [null], `${LABEL} rule 1 must be an object`],
    ['an unknown key', [{ path: '/**', allow: ['*'], deny: ['*'] }], `${LABEL} rule 1: unknown key "deny"`],
    ['a missing path', [{ allow: ['*'] }], `${LABEL} rule 1: "path" must be a string`],
    ['a path that is not a string', [{ path: 5, allow: ['*'] }], `${LABEL} rule 1: "path" must be a string`],
    ['a path not starting with /', [{ path: 'a/**', allow: ['*'] }], 'rule path "a/**" must start with /'],
    ['a missing allow', [{ path: '/**' }], `${LABEL} rule 1: "allow" must be an array of strings`],
    ['allow that is a string', [{ path: '/**', allow: '*' }], `${LABEL} rule 1: "allow" must be an array of strings`],
    ['allow with a non-string', [{ path: '/**', allow: ['*', 3] }], `${LABEL} rule 1: "allow" must be an array of strings`],
    [
      'a bare name in allow',
      [{ path: '/a', allow: ['*'] }, { path: '/b', allow: ['*'] }, { path: '/**', allow: ['admin'] }],
      `${LABEL} rule 3: allow entry "admin" must be "*", "authenticated", "user:NAME" or "role:NAME"`,
    ],
    ['an empty user: entry', [{ path: '/**', allow: ['user:'] }], `${LABEL} rule 1: allow entry "user:" must be`],
    ['an empty role: entry', [{ path: '/**', allow: ['role:'] }], `${LABEL} rule 1: allow entry "role:" must be`],
    ['methods that is a string', [{ path: '/**', allow: ['*'], methods: 'GET' }], `${LABEL} rule 1: "methods" must be an array of strings`],
    ['methods with a non-string', [{ path: '/**', allow: ['*'], methods: ['GET', 1] }], `${LABEL} rule 1: "methods" must be an array of strings`],
  ])('refuses %s with a one-line ConfigError', (_case, value, fragment) => {
    let caught: unknown;
    try {
      compileRules(value, LABEL);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message).toContain(fragment);
    expect(message).not.toContain('\n');
  });
});

describe('decide', () => {
  const alice: Principal = { name: 'alice', roles: ['admin'] };
  const bob: Principal = { name: 'bob', roles: ['staff'] };
  const carol: Principal = { name: 'carol', roles: [] };
  const principals: Record<string, Principal | undefined> = { anonymous: undefined, alice, bob, carol };

  const RULES = compileRules(
    [
      { path: '/public/**', allow: ['*'] },
      { path: '/admin/**', allow: ['role:admin'] },
      { path: '/bob/**', allow: ['user:bob'] },
      { path: '/team/**', allow: ['authenticated'] },
      { path: '/upload/**', allow: ['role:staff'], methods: ['PUT'] },
      { path: '/upload/**', allow: ['*'], methods: ['get', 'head'] },
      { path: '/first/**', allow: ['user:alice'] },
      { path: '/first/**', allow: ['*'] },
      { path: '/mixed/**', allow: ['user:carol', 'role:staff'] },
    ],
    'test',
  );

  test.each(['anonymous', 'alice', 'carol'])('no rules at all → allow (%s)', (who) => {
    expect(decide([], principals[who], 'GET', '/anything')).toBe('allow');
  });

  test.each([
    // [who, method, path, decision]
    // "*": anyone, signed in or not
    ['anonymous', 'GET', '/public/a.txt', 'allow'],
    ['carol', 'GET', '/public', 'allow'],
    // role:NAME
    ['alice', 'GET', '/admin/x', 'allow'],
    ['bob', 'GET', '/admin/x', 'deny'],
    ['anonymous', 'GET', '/admin/x', 'deny'],
    // user:NAME
    ['bob', 'GET', '/bob/x', 'allow'],
    ['alice', 'GET', '/bob/x', 'deny'],
    // authenticated: any principal
    ['carol', 'GET', '/team/x', 'allow'],
    ['alice', 'GET', '/team/x', 'allow'],
    ['anonymous', 'GET', '/team/x', 'deny'],
    // methods restriction: a rule for other methods is skipped, the next one decides
    ['bob', 'PUT', '/upload/f', 'allow'],
    ['carol', 'PUT', '/upload/f', 'deny'],
    ['anonymous', 'GET', '/upload/f', 'allow'],
    ['anonymous', 'HEAD', '/upload/f', 'allow'],
    ['anonymous', 'PUT', '/upload/f', 'deny'],
    ['bob', 'DELETE', '/upload/f', 'deny'],
    // first match wins, even when a later rule would allow
    ['alice', 'GET', '/first/x', 'allow'],
    ['bob', 'GET', '/first/x', 'deny'],
    ['anonymous', 'GET', '/first/x', 'deny'],
    // several kinds of entry in one rule
    ['carol', 'GET', '/mixed/x', 'allow'],
    ['bob', 'GET', '/mixed/x', 'allow'],
    ['alice', 'GET', '/mixed/x', 'deny'],
    // default deny when no rule matches, for everyone
    ['alice', 'GET', '/elsewhere', 'deny'],
    ['anonymous', 'GET', '/elsewhere', 'deny'],
    ['anonymous', 'GET', '/publicx', 'deny'],
  ])('%s %s %s → %s', (who, method, path, decision) => {
    expect(decide(RULES, principals[who], method, path)).toBe(decision);
  });

  test('a role name is not treated as a user name, nor a user name as a role', () => {
    const rules = compileRules([{ path: '/**', allow: ['user:admin', 'role:alice'] }], 'test');
    expect(decide(rules, { name: 'alice', roles: ['admin'] }, 'GET', '/x')).toBe('deny');
    expect(decide(rules, { name: 'admin', roles: [] }, 'GET', '/x')).toBe('allow');
  });
});

describe('a rule restricted to GET', () => {
  const rules = compileRules(
    [
      { path: '/private/**', allow: ['role:admin'], methods: ['GET'] },
      { path: '/**', allow: ['*'] },
    ],
    'test',
  );

  test.each([
    ['GET', 'deny'],
    ['HEAD', 'deny'],
  ])('also governs HEAD: anonymous %s on a protected path is %s', (method, expected) => {
    expect(decide(rules, undefined, method, '/private/secret.txt')).toBe(expected);
  });
});
