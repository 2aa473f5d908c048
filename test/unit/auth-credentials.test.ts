import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { digestToken, parseRoles, parseTokensFile, parseUsersFile } from '../../src/auth/credentials';
import { ConfigError } from '../../src/errors/http-error';

const LABEL = '--auth-users';
const SCRYPT = `$scrypt$ln=15,r=8,p=1$${Buffer.alloc(16, 1).toString('base64')}$${Buffer.alloc(32, 2).toString('base64')}`;
const BCRYPT_2Y = '$2y$' + bcrypt.hashSync('pw', 4).slice(4);
const DIGEST_A = digestToken('token-a');
const DIGEST_B = digestToken('token-b');

/** Runs `fn`, expecting a ConfigError, and returns its message. */
function configErrorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('parseUsersFile: accepted files', () => {
  test('skips comments and blank lines and parses roles', () => {
    const text = ['# users', '', '   ', `alice:${SCRYPT}:admin,staff`, '  # indented comment', `bob:${SCRYPT}`].join('\n');
    const users = parseUsersFile(text, LABEL);
    expect([...users.keys()]).toEqual(['alice', 'bob']);
    expect(users.get('alice')).toEqual({ hash: SCRYPT, roles: ['admin', 'staff'] });
    expect(users.get('bob')).toEqual({ hash: SCRYPT, roles: [] });
  });

  test('accepts an htpasswd bcrypt line without roles', () => {
    expect(parseUsersFile(`carol:${BCRYPT_2Y}\n`, LABEL).get('carol')).toEqual({ hash: BCRYPT_2Y, roles: [] });
  });

  test('accepts CRLF line endings without keeping the carriage return', () => {
    const users = parseUsersFile(`alice:${SCRYPT}:admin\r\nbob:${BCRYPT_2Y}\r\n`, LABEL);
    expect(users.get('alice')).toEqual({ hash: SCRYPT, roles: ['admin'] });
    expect(users.get('bob')).toEqual({ hash: BCRYPT_2Y, roles: [] });
  });

  test.each(['', '\n\n', '# only a comment\n'])('an empty file (%j) gives no users', (text) => {
    expect(parseUsersFile(text, LABEL).size).toBe(0);
  });

  test.each([
    ['a plain name', 'alice'],
    ['every allowed punctuation', 'a.b_c-d@example.org'],
    ['digits', 'A9'],
    ['64 characters (the maximum)', 'x'.repeat(64)],
  ])('accepts a user name with %s', (_label, name) => {
    expect(parseUsersFile(`${name}:${SCRYPT}`, LABEL).has(name)).toBe(true);
  });
});

describe('parseUsersFile: refused lines name the file and line, never the secret', () => {
  test.each([
    // [case, text, line, secret that must not appear, expected message fragment]
    ['a line without a colon', `# header\nalicehunter2`, 2, 'hunter2', 'expected name:hash[:roles]'],
    ['a line starting with a colon', `\n:${SCRYPT}`, 2, SCRYPT, 'expected name:hash[:roles]'],
    ['an invalid user name', `bad name:${SCRYPT}`, 1, SCRYPT, 'invalid user name'],
    ['a user name over 64 characters', `${'x'.repeat(65)}:${SCRYPT}`, 1, SCRYPT, 'invalid user name'],
    ['a plain-text password', `alice:${SCRYPT}\nbob:hunter2`, 2, 'hunter2', 'plain-text passwords are not accepted'],
    ['an MD5-apr1 hash', `\n\nalice:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/`, 3, 'HqJZimcKQFAMYayBlzkrA', 'MD5-crypt hashes are too weak'],
    ['an SHA1 hash', `alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=`, 1, 'W6ph5Mm5Pz8GgiULbPgzG37mj9g', 'SHA1 hashes are too weak'],
    ['a DES crypt hash', `alice:rqXexS6ZhobKA`, 1, 'rqXexS6ZhobKA', 'DES crypt hashes are too weak'],
    ['a duplicate user', `alice:${SCRYPT}\n# again\nalice:${BCRYPT_2Y}`, 3, BCRYPT_2Y.slice(7), 'user alice appears twice'],
    ['an invalid role', `alice:${SCRYPT}:admin,bad role`, 1, SCRYPT, 'role 2 is invalid'],
    ['an empty role in the list', `alice:${SCRYPT}:admin,,staff`, 1, SCRYPT, 'role 2 is invalid'],
    ['a refused hash with CRLF endings', `alice:${SCRYPT}\r\nbob:hunter2\r\n`, 2, 'hunter2', 'plain-text passwords are not accepted'],
  ])('%s', (_case, text, line, secret, fragment) => {
    const message = configErrorMessage(() => parseUsersFile(text, LABEL));
    expect(message).toContain(`${LABEL} line ${line}`);
    expect(message).toContain(fragment);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('\n');
  });

  test('refused-hash messages name the user but not the hash', () => {
    expect(configErrorMessage(() => parseUsersFile('alice:hunter2', LABEL))).toBe(
      `${LABEL} line 1 (user alice): plain-text passwords are not accepted; use hash-password`,
    );
  });

  // A plain-text password containing ':' is split into "hash" and "roles"; the tail is validated
  // as a role list before the hash is refused, so its text must not be echoed either.
  test.each([
    ['alice:Tr0ub4dor:x!y', 'x!y'],
    ['alice:open sesame:my secret', 'my secret'],
  ])('a plain-text password with a colon (%j) is refused without echoing any part of it', (text, secretTail) => {
    const message = configErrorMessage(() => parseUsersFile(text, LABEL));
    expect(message).toContain(`${LABEL} line 1`);
    expect(message).not.toContain(secretTail);
  });
});

describe('parseTokensFile', () => {
  const TOKENS = '--auth-tokens';

  test.each([
    ['a name without roles', `${DIGEST_A} ci`, { name: 'ci', roles: [] }],
    ['a name with roles', `${DIGEST_A} deploy:admin,ci`, { name: 'deploy', roles: ['admin', 'ci'] }],
    ['tab separators and surrounding spaces', `  ${DIGEST_A}\t\tci  `, { name: 'ci', roles: [] }],
    ['a name with an empty role list', `${DIGEST_A} ci:`, { name: 'ci', roles: [] }],
  ])('accepts %s', (_case, line, record) => {
    const tokens = parseTokensFile(`# tokens\n\n${line}\r\n`, TOKENS);
    expect([...tokens]).toEqual([[DIGEST_A, record]]);
  });

  test('keeps several tokens keyed by digest', () => {
    const tokens = parseTokensFile(`${DIGEST_A} ci\n${DIGEST_B} ci:admin\n`, TOKENS);
    expect(tokens.get(DIGEST_A)).toEqual({ name: 'ci', roles: [] });
    expect(tokens.get(DIGEST_B)).toEqual({ name: 'ci', roles: ['admin'] });
  });

  test.each([
    ['upper-case hex', `${DIGEST_A.toUpperCase()} ci`, 1, 'must be stored as 64 lower-case hex digits'],
    ['too short hex', `\n${DIGEST_A.slice(0, 63)} ci`, 2, 'must be stored as 64 lower-case hex digits'],
    ['too long hex', `${DIGEST_A}0 ci`, 1, 'must be stored as 64 lower-case hex digits'],
    ['a raw token instead of its digest', 'my-raw-secret-token ci', 1, 'must be stored as 64 lower-case hex digits'],
    ['a missing name', `# c\n# c\n${DIGEST_A}`, 3, 'expected "sha256-hex name[:roles]"'],
    ['extra fields', `${DIGEST_A} ci admin`, 1, 'expected "sha256-hex name[:roles]"'],
    ['an invalid name', `${DIGEST_A} c,i`, 1, 'invalid name'],
    ['an empty name before roles', `${DIGEST_A} :admin`, 1, 'invalid name'],
    ['an invalid role', `${DIGEST_A} ci:admin,x!`, 1, 'role 2 is invalid'],
    ['a duplicate digest', `${DIGEST_A} ci\n${DIGEST_B} other\n${DIGEST_A} again`, 3, 'the same token appears twice'],
  ])('refuses %s with a message naming the line', (_case, text, line, fragment) => {
    const message = configErrorMessage(() => parseTokensFile(text, TOKENS));
    expect(message).toContain(`${TOKENS} line ${line}:`);
    expect(message).toContain(fragment);
  });

  test('a raw token written instead of its digest is not echoed in the error', () => {
    expect(configErrorMessage(() => parseTokensFile('my-raw-secret-token ci', TOKENS))).not.toContain('my-raw-secret-token');
  });
});

describe('digestToken', () => {
  test.each([
    ['the empty token', ''],
    ['an ASCII token', 'abc'],
    ['a token with spaces', 'token with spaces'],
    ['a non-ASCII token (hashed as UTF-8)', 'ünïcödé'],
    ['a 1000-character token', 'a'.repeat(1000)],
  ])('the digest of %s is its SHA-256 hex', (_label, token) => {
    expect(digestToken(token)).toBe(createHash('sha256').update(Buffer.from(token, 'utf8')).digest('hex'));
  });

  test('matches the published SHA-256 test vector for "abc"', () => {
    expect(digestToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('parseRoles', () => {
  test.each([
    [undefined, []],
    ['', []],
    ['admin', ['admin']],
    ['admin,staff', ['admin', 'staff']],
    [' admin , staff ', ['admin', 'staff']],
    ['a.b_c-d', ['a.b_c-d']],
  ])('parses %j as %j', (field, roles) => {
    expect(parseRoles(field, 'where')).toEqual(roles);
  });

  test.each([
    ['admin,', 2],
    ['ad min', 1],
    ['role:x', 1],
    ['a@b', 1],
    ['x'.repeat(65), 1],
  ])('refuses %s, naming the place and the role number but never echoing its text', (field, index) => {
    const message = configErrorMessage(() => parseRoles(field, 'users line 7'));
    expect(message).toBe(`users line 7: role ${index} is invalid (allowed: A-Z a-z 0-9 . _ -)`);
  });
});
