import bcrypt from 'bcryptjs';
import {
  DUMMY_HASH,
  SCRYPT_LOG_N,
  SCRYPT_P,
  SCRYPT_R,
  classifyHash,
  hashPassword,
  verifyPassword,
} from '../../src/auth/password-hash';

const SALT = Buffer.alloc(16, 7).toString('base64');
const KEY = Buffer.alloc(32, 9).toString('base64');
const scryptHash = (ln: number): string => `$scrypt$ln=${ln},r=8,p=1$${SALT}$${KEY}`;

// Cost 4 keeps bcrypt hashing to a few milliseconds.
const BCRYPT_PASSWORD = 'correct horse';
const bcrypt2b = bcrypt.hashSync(BCRYPT_PASSWORD, 4);
const bcryptWithPrefix = (prefix: '$2a$' | '$2b$' | '$2y$'): string => prefix + bcrypt2b.slice(4);

describe('classifyHash', () => {
  test.each([
    ['ln=10 (lowest accepted cost)', scryptHash(10)],
    ['ln=15 (the default cost)', scryptHash(15)],
    ['ln=18 (256 MiB at r=8, the most memory accepted)', scryptHash(18)],
  ])('accepts a scrypt hash with %s', (_label, hash) => {
    expect(classifyHash(hash)).toEqual({ kind: 'scrypt' });
  });

  test.each([
    [9, 'scrypt parameters are too weak'],
    [19, 'scrypt parameters ln=19,r=8,p=1 exceed 256 MiB per check or p=4'],
    [21, 'scrypt parameters ln=21,r=8,p=1 exceed 256 MiB per check or p=4'],
  ])('refuses a scrypt hash with ln=%i as %j', (ln, message) => {
    expect(classifyHash(scryptHash(ln))).toEqual({ refused: message });
  });

  test.each([
    ['$scrypt$ln=20,r=99,p=99$AAAA$BBBB', 'memory and time far past the limits'],
    ['$scrypt$ln=15,r=8,p=5$AAAA$BBBB', 'p above 4'],
    ['$scrypt$ln=15,r=99,p=1$AAAA$BBBB', '256 MiB exceeded through r'],
  ])('refuses %s (%s): one check must not be a denial of service', (hash) => {
    expect(classifyHash(hash)).toHaveProperty('refused');
  });

  test.each(['$2a$', '$2b$', '$2y$'] as const)('accepts a bcrypt hash with the %s prefix', (prefix) => {
    expect(classifyHash(bcryptWithPrefix(prefix))).toEqual({ kind: 'bcrypt' });
  });

  test.each([
    ['a plain-text password', 'hunter2', 'plain-text passwords are not accepted; use hash-password'],
    ['an MD5-apr1 hash', '$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/', 'MD5-crypt hashes are too weak; use hash-password'],
    ['an MD5-crypt $1$ hash', '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', 'MD5-crypt hashes are too weak; use hash-password'],
    ['an SHA1 hash', '{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', 'SHA1 hashes are too weak; use hash-password'],
    ['a 13-character DES crypt hash', 'rqXexS6ZhobKA', 'DES crypt hashes are too weak; use hash-password'],
    ['an unknown $x$ scheme', '$x$something$else', 'unknown hash scheme; use hash-password'],
    ['an empty string', '', 'plain-text passwords are not accepted; use hash-password'],
  ])('refuses %s with its reason', (_label, hash, message) => {
    expect(classifyHash(hash)).toEqual({ refused: message });
  });

  test('classifies DUMMY_HASH as scrypt with the current parameters', () => {
    expect(classifyHash(DUMMY_HASH)).toEqual({ kind: 'scrypt' });
    expect(DUMMY_HASH.startsWith(`$scrypt$ln=${SCRYPT_LOG_N},r=${SCRYPT_R},p=${SCRYPT_P}$`)).toBe(true);
  });
});

describe('hashPassword and verifyPassword (scrypt)', () => {
  const PASSWORD = 'pässwörd with spaces';
  let first: string;
  let second: string;

  beforeAll(async () => {
    [first, second] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
  });

  test('a new hash is a classifiable scrypt hash with the default parameters', () => {
    expect(classifyHash(first)).toEqual({ kind: 'scrypt' });
    expect(first.startsWith(`$scrypt$ln=${SCRYPT_LOG_N},r=${SCRYPT_R},p=${SCRYPT_P}$`)).toBe(true);
  });

  test('two hashes of the same password differ (random salt)', () => {
    expect(first).not.toBe(second);
  });

  test.each([
    { label: 'accepts the right password', password: PASSWORD, expected: true },
    { label: 'rejects a wrong password', password: 'pässwörd with space', expected: false },
  ])('verifyPassword $label', async ({ password, expected }) => {
    await expect(verifyPassword(first, password)).resolves.toBe(expected);
  });

  test.each([
    ['plain text equal to the password', 'secret'],
    ['an SHA1 hash', '{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ='],
    ['an empty string', ''],
  ])('verifyPassword is false for %s (unknown format)', async (_label, hash) => {
    await expect(verifyPassword(hash, 'secret')).resolves.toBe(false);
  });

  test.each([
    ['the empty password', ''],
    ['a non-empty password', 'password'],
  ])('DUMMY_HASH does not match %s', async (_label, password) => {
    await expect(verifyPassword(DUMMY_HASH, password)).resolves.toBe(false);
  });
});

describe('verifyPassword (bcrypt)', () => {
  test.each([
    ['$2a$', BCRYPT_PASSWORD, true],
    ['$2b$', BCRYPT_PASSWORD, true],
    ['$2y$', BCRYPT_PASSWORD, true],
    ['$2b$', 'wrong horse', false],
    ['$2b$', '', false],
  ] as const)('a %s hash: verifyPassword(hash, %j) is %s', async (prefix, password, expected) => {
    await expect(verifyPassword(bcryptWithPrefix(prefix), password)).resolves.toBe(expected);
  });
});
