// Secret files for authentication tests, written to a temp dir with mode 0600 (as a careful
// operator would). Passwords and tokens are made up per run; nothing secret is committed.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { digestToken } from '../../src/auth/credentials';
import { hashPassword } from '../../src/auth/password-hash';
import { createFixtures, Fixtures } from './fixtures';

export const PROTECTED_TEXT = 'PROTECTED-BYTES-ONLY-FOR-ADMINS';

export interface AuthFixtures {
  readonly usersFile: string;
  readonly tokensFile: string;
  readonly keyFile: string;
  readonly rulesFile: string;
  readonly key: Buffer;
  readonly alicePassword: string;
  readonly bobPassword: string;
  readonly ciToken: string;
}

export const RULES = [
  { path: '/private/**', allow: ['role:admin'] },
  { path: '/team/**', allow: ['authenticated'] },
  { path: '/**', allow: ['*'] },
];

/** Adds /private, /team and /public content under `root` and writes the secret files into `dir`. */
export async function createAuthFixtures(root: string, dir: string): Promise<AuthFixtures> {
  const write = (relative: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), content);
  };
  write('private/secret.txt', PROTECTED_TEXT);
  write('private/sub/deep.txt', PROTECTED_TEXT);
  write('team/notes.txt', 'team notes\n');
  write('public/open.txt', 'open to all\n');

  const alicePassword = 'alice-' + randomBytes(8).toString('hex');
  const bobPassword = 'bob-' + randomBytes(8).toString('hex');
  const ciToken = randomBytes(32).toString('base64url');
  const key = randomBytes(32);
  const secret = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content, { mode: 0o600 });
    return file;
  };
  // bob's hash is bcrypt (htpasswd style, no roles field); cost 4 keeps the test fast.
  const users = `# test users\nalice:${await hashPassword(alicePassword)}:admin\nbob:${bcrypt.hashSync(bobPassword, 4)}\n`;
  return {
    usersFile: secret('users', users),
    tokensFile: secret('tokens', `${digestToken(ciToken)} ci:deploy\n`),
    keyFile: secret('signing.key', key),
    rulesFile: secret('rules.json', JSON.stringify(RULES)),
    key,
    alicePassword,
    bobPassword,
    ciToken,
  };
}

export function basic(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

/** The common fixture tree plus the auth content and secret files beside it. */
export async function createFixturesWithAuth(): Promise<{ fixtures: Fixtures; auth: AuthFixtures }> {
  const fixtures = createFixtures();
  return { fixtures, auth: await createAuthFixtures(fixtures.root, fixtures.base) };
}
