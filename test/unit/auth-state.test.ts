import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { digestToken } from '../../src/auth/credentials';
import { decide } from '../../src/auth/rules';
import { AuthStore, loadAuthState, type AuthState } from '../../src/auth/state';
import { ConfigError } from '../../src/errors/http-error';

type AuthFiles = Parameters<typeof loadAuthState>[0];

const SCRYPT = `$scrypt$ln=15,r=8,p=1$${Buffer.alloc(16, 1).toString('base64')}$${Buffer.alloc(32, 2).toString('base64')}`;
const TOKEN_DIGEST = digestToken('ci-token');
const NONE: AuthFiles = { authUsers: undefined, authTokens: undefined, signingKeyFile: undefined, authRules: undefined, authRealm: 'tinyhttp' };

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-state-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes `content` to a fresh file in the temp dir with an explicit mode (umask does not apply to chmod). */
function write(name: string, content: string | Buffer, mode = 0o600): string {
  const file = path.join(dir, `${name}-${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(file, content);
  fs.chmodSync(file, mode);
  return file;
}

/** Loads with a warn callback that collects messages. */
function load(files: Partial<AuthFiles>): { state: AuthState; warnings: string[] } {
  const warnings: string[] = [];
  const state = loadAuthState({ ...NONE, ...files }, (message) => warnings.push(message));
  return { state, warnings };
}

function loadError(files: Partial<AuthFiles>): ConfigError {
  try {
    load(files);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const alice = { name: 'alice', roles: [] };

describe('loadAuthState: what is enabled', () => {
  test('nothing configured → disabled, no rules, no challenges', () => {
    const { state, warnings } = load({});
    expect(state).toEqual({ enabled: false, users: undefined, tokens: undefined, signingKey: undefined, rules: [], challenges: [] });
    expect(warnings).toEqual([]);
    expect(decide(state.rules, undefined, 'GET', '/anything')).toBe('allow');
  });

  test('users only → enabled with a Basic challenge and a default rule requiring a principal', () => {
    const { state } = load({ authUsers: write('users', `alice:${SCRYPT}:admin\n`) });
    expect(state.enabled).toBe(true);
    expect(state.users?.get('alice')).toEqual({ hash: SCRYPT, roles: ['admin'] });
    expect(state.tokens).toBeUndefined();
    expect(state.challenges).toEqual(['Basic realm="tinyhttp", charset="UTF-8"']);
    expect(state.rules).toHaveLength(1);
    expect(decide(state.rules, undefined, 'GET', '/')).toBe('deny');
    expect(decide(state.rules, undefined, 'GET', '/deep/file.txt')).toBe('deny');
    expect(decide(state.rules, alice, 'GET', '/')).toBe('allow');
    expect(decide(state.rules, alice, 'GET', '/deep/file.txt')).toBe('allow');
  });

  test('tokens only → enabled with a Bearer challenge and digests as buffers', () => {
    const { state } = load({ authTokens: write('tokens', `${TOKEN_DIGEST} ci:deploy\n`) });
    expect(state.enabled).toBe(true);
    expect(state.challenges).toEqual(['Bearer realm="tinyhttp"']);
    expect(state.tokens).toEqual([{ digest: Buffer.from(TOKEN_DIGEST, 'hex'), record: { name: 'ci', roles: ['deploy'] } }]);
    expect(decide(state.rules, undefined, 'GET', '/')).toBe('deny');
  });

  test('users and tokens → both challenges, Basic first', () => {
    const { state } = load({ authUsers: write('users', `alice:${SCRYPT}\n`), authTokens: write('tokens', `${TOKEN_DIGEST} ci\n`) });
    expect(state.challenges).toEqual(['Basic realm="tinyhttp", charset="UTF-8"', 'Bearer realm="tinyhttp"']);
  });

  test('a signing key of 32 bytes → enabled, no challenge, default rule', () => {
    const key = randomBytes(32);
    const { state } = load({ signingKeyFile: write('key', key) });
    expect(state.enabled).toBe(true);
    expect(state.signingKey?.equals(key)).toBe(true);
    expect(state.challenges).toEqual([]);
    expect(decide(state.rules, undefined, 'GET', '/')).toBe('deny');
  });

  test('rules only → enabled and the configured rules are used', () => {
    const rules = [{ path: '/private/**', allow: ['authenticated'] }, { path: '/**', allow: ['*'] }];
    const { state } = load({ authRules: write('rules', JSON.stringify(rules), 0o644) });
    expect(state.enabled).toBe(true);
    expect(state.challenges).toEqual([]);
    expect(state.rules.map((rule) => rule.pattern)).toEqual(['/private/**', '/**']);
    expect(decide(state.rules, undefined, 'GET', '/public')).toBe('allow');
    expect(decide(state.rules, undefined, 'GET', '/private/x')).toBe('deny');
  });

  test('configured rules replace the default rule', () => {
    const { state } = load({ authUsers: write('users', `alice:${SCRYPT}\n`), authRules: write('rules', '[{"path":"/**","allow":["*"]}]') });
    expect(decide(state.rules, undefined, 'GET', '/x')).toBe('allow');
  });

  test.each([
    ['quotes has them removed', 'my "realm"', 'my realm'],
    ['backslashes has them removed', 'a\\b\\"c', 'abc'],
    ['spaces and UTF-8 keeps them', 'Büro files', 'Büro files'],
  ])('a realm with %s in the challenges', (_case, realm, shown) => {
    const { state } = load({ authRealm: realm, authUsers: write('users', `alice:${SCRYPT}\n`), authTokens: write('tokens', `${TOKEN_DIGEST} ci\n`) });
    expect(state.challenges).toEqual([`Basic realm="${shown}", charset="UTF-8"`, `Bearer realm="${shown}"`]);
  });
});

describe('loadAuthState: errors', () => {
  test.each([
    ['an empty key', 0],
    ['a 16-byte key', 16],
    ['a 31-byte key', 31],
  ])('%s is a ConfigError', (_case, bytes) => {
    expect(loadError({ signingKeyFile: write('key', randomBytes(bytes)) }).message).toBe(
      `--signing-key-file must hold at least 32 bytes (got ${bytes})`,
    );
  });

  test('invalid JSON in the rules file is a ConfigError naming --auth-rules', () => {
    const file = write('rules', '[{"path": "/**", allow: ["*"]}]');
    const message = loadError({ authRules: file }).message;
    expect(message).toContain('--auth-rules');
    expect(message).toContain(file);
    expect(message).toContain('is not valid JSON');
  });

  test('a rules file with an invalid rule is a ConfigError naming the rule', () => {
    expect(loadError({ authRules: write('rules', '[{"path":"/**","allow":["admin"]}]') }).message).toContain('--auth-rules rule 1');
  });

  test.each([
    ['authUsers', '--auth-users'],
    ['authTokens', '--auth-tokens'],
    ['signingKeyFile', '--signing-key-file'],
    ['authRules', '--auth-rules'],
  ] as const)('a missing %s file is a ConfigError "cannot be read (ENOENT)" naming %s', (field, label) => {
    const missing = path.join(dir, 'does-not-exist');
    expect(loadError({ [field]: missing }).message).toBe(`${label} ${JSON.stringify(missing)} cannot be read (ENOENT)`);
  });

  test('a broken users file is a ConfigError naming its line', () => {
    expect(loadError({ authUsers: write('users', `# users\nalice:hunter2\n`) }).message).toContain('--auth-users line 2');
  });
});

describe('loadAuthState: secret file permissions', () => {
  const USERS = `alice:${SCRYPT}\n`;
  const TOKENS = `${TOKEN_DIGEST} ci\n`;
  const KEY32 = 'k'.repeat(32);
  test.each([
    { field: 'authUsers', label: '--auth-users', content: USERS, mode: '0644', warned: true },
    { field: 'authUsers', label: '--auth-users', content: USERS, mode: '0640', warned: true },
    { field: 'authUsers', label: '--auth-users', content: USERS, mode: '0604', warned: true },
    { field: 'authUsers', label: '--auth-users', content: USERS, mode: '0600', warned: false },
    { field: 'authUsers', label: '--auth-users', content: USERS, mode: '0400', warned: false },
    { field: 'authTokens', label: '--auth-tokens', content: TOKENS, mode: '0644', warned: true },
    { field: 'authTokens', label: '--auth-tokens', content: TOKENS, mode: '0600', warned: false },
    { field: 'signingKeyFile', label: '--signing-key-file', content: KEY32, mode: '0644', warned: true },
    { field: 'signingKeyFile', label: '--signing-key-file', content: KEY32, mode: '0600', warned: false },
  ] as const)('$label file with mode $mode → warned: $warned', ({ field, label, content, mode, warned }) => {
    const file = write('secret', content, parseInt(mode, 8));
    const { warnings } = load({ [field]: file });
    if (warned) {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('chmod 600');
      expect(warnings[0]).toContain(label);
      expect(warnings[0]).toContain(file);
      expect(warnings[0]).toContain(`mode ${mode}`);
    } else {
      expect(warnings).toEqual([]);
    }
  });

  test('the rules file is not a secret: a world-readable rules file gives no warning', () => {
    expect(load({ authRules: write('rules', '[]', 0o644) }).warnings).toEqual([]);
  });
});

describe('AuthStore', () => {
  const stateA = loadAuthState(NONE, () => undefined);
  const stateB: AuthState = { ...stateA, enabled: true };

  test('reload swaps in the newly loaded state', () => {
    const store = new AuthStore(stateA, () => stateB);
    expect(store.current).toBe(stateA);
    store.reload();
    expect(store.current).toBe(stateB);
  });

  test('reload keeps the old state and rethrows when the loader throws', () => {
    const store = new AuthStore(stateA, () => {
      throw new ConfigError('--auth-users line 3: invalid user name');
    });
    expect(() => store.reload()).toThrow('--auth-users line 3: invalid user name');
    expect(store.current).toBe(stateA);
  });

  test('reload from real files keeps the old state when a file becomes broken', () => {
    const usersFile = write('users', `alice:${SCRYPT}\n`);
    const files: AuthFiles = { ...NONE, authUsers: usersFile };
    const loader = (): AuthState => loadAuthState(files, () => undefined);
    const store = new AuthStore(loader(), loader);
    const before = store.current;
    fs.writeFileSync(usersFile, 'alice:hunter2\n');
    expect(() => store.reload()).toThrow(ConfigError);
    expect(store.current).toBe(before);
    expect(store.current.users?.has('alice')).toBe(true);
    fs.writeFileSync(usersFile, `bob:${SCRYPT}\n`);
    store.reload();
    expect([...store.current.users!.keys()]).toEqual(['bob']);
  });
});
