// Loads the users file (`name:hash[:role,role]`) and the tokens file (`sha256-hex name[:role,role]`).
// Every problem is one ConfigError naming the file and line, never the secret itself.

import { createHash } from 'node:crypto';
import { ConfigError } from '../errors/http-error';
import { classifyHash } from './password-hash';

export interface UserRecord {
  readonly hash: string;
  readonly roles: readonly string[];
}

export interface TokenRecord {
  readonly name: string;
  readonly roles: readonly string[];
}

/** Principal names and roles: printable, no separators of the file formats (`:`, `,`, space). */
export const NAME = /^[A-Za-z0-9._@-]{1,64}$/;
export const ROLE = /^[A-Za-z0-9._-]{1,64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function parseRoles(field: string | undefined, where: string): string[] {
  if (field === undefined || field === '') return [];
  const roles = field.split(',').map((role) => role.trim());
  // The text is not echoed: a password typed into the wrong column must not reach a log.
  roles.forEach((role, index) => {
    if (!ROLE.test(role)) throw new ConfigError(`${where}: role ${index + 1} is invalid (allowed: A-Z a-z 0-9 . _ -)`);
  });
  return roles;
}

/** Non-empty, non-comment lines with their 1-based numbers. */
function meaningfulLines(text: string): [number, string][] {
  return text
    .split(/\r?\n/)
    .map((line, index): [number, string] => [index + 1, line.trim()])
    .filter(([, line]) => line !== '' && !line.startsWith('#'));
}

export function parseUsersFile(text: string, fileLabel: string): Map<string, UserRecord> {
  const users = new Map<string, UserRecord>();
  for (const [lineNumber, line] of meaningfulLines(text)) {
    const where = `${fileLabel} line ${lineNumber}`;
    const first = line.indexOf(':');
    if (first <= 0) throw new ConfigError(`${where}: expected name:hash[:roles]`);
    const name = line.slice(0, first);
    // bcrypt and scrypt hashes contain no ':', so the hash ends at the next one.
    const rest = line.slice(first + 1);
    const second = rest.indexOf(':');
    const hash = second === -1 ? rest : rest.slice(0, second);
    if (!NAME.test(name)) throw new ConfigError(`${where}: invalid user name`);
    // SECURITY: the hash is judged before the roles, so a plain-text password holding a ':' is
    // refused as such and no part of it is echoed as a "role" in the message.
    const kind = classifyHash(hash);
    if ('refused' in kind) throw new ConfigError(`${where} (user ${name}): ${kind.refused}`);
    const roles = parseRoles(second === -1 ? undefined : rest.slice(second + 1), where);
    if (users.has(name)) throw new ConfigError(`${where}: user ${name} appears twice`);
    users.set(name, { hash, roles });
  }
  return users;
}

export function parseTokensFile(text: string, fileLabel: string): Map<string, TokenRecord> {
  const tokens = new Map<string, TokenRecord>();
  for (const [lineNumber, line] of meaningfulLines(text)) {
    const where = `${fileLabel} line ${lineNumber}`;
    const [digest, principal, ...extra] = line.split(/\s+/);
    if (extra.length > 0 || principal === undefined) throw new ConfigError(`${where}: expected "sha256-hex name[:roles]"`);
    if (!SHA256_HEX.test(digest)) throw new ConfigError(`${where}: the token must be stored as 64 lower-case hex digits of its SHA-256`);
    const colon = principal.indexOf(':');
    const name = colon === -1 ? principal : principal.slice(0, colon);
    if (!NAME.test(name)) throw new ConfigError(`${where}: invalid name`);
    if (tokens.has(digest)) throw new ConfigError(`${where}: the same token appears twice`);
    tokens.set(digest, { name, roles: parseRoles(colon === -1 ? undefined : principal.slice(colon + 1), where) });
  }
  return tokens;
}

/** SHA-256 hex of a bearer token, the only form in which tokens are stored or compared. */
export function digestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

