// Password hashes the users file may hold: our self-describing scrypt format, and bcrypt
// ($2a$/$2b$/$2y$) for htpasswd compatibility. Verification is slow by design; the engines run it
// off the event loop in threaded mode (workers/resolve.ts, `verifyPassword`).

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** scrypt cost for new hashes: N = 2^15, r = 8, p = 1, i.e. 32 MiB and tens of ms per check. The
 *  parameters travel in each hash, so raising them later keeps existing hashes valid. */
export const SCRYPT_LOG_N = 15;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
const SCRYPT_KEY_BYTES = 32;
const SCRYPT_SALT_BYTES = 16;
/** Refuse hashes whose parameters would make one check a denial of service: memory is
 *  128 · r · N bytes, time grows with N · r · p. */
const SCRYPT_MAX_MEMORY_BYTES = 256 * 1024 * 1024;
const SCRYPT_MAX_P = 4;

const SCRYPT_FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;
const BCRYPT_FORMAT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

export type HashKind = 'scrypt' | 'bcrypt';

/**
 * Names the scheme of a stored hash, or explains in a few words why it is refused (plain text,
 * crypt, MD5-apr1 and SHA1 are all too weak to keep).
 */
export function classifyHash(hash: string): { kind: HashKind } | { refused: string } {
  const scryptMatch = SCRYPT_FORMAT.exec(hash);
  if (scryptMatch !== null) {
    const [logN, r, p] = [Number(scryptMatch[1]), Number(scryptMatch[2]), Number(scryptMatch[3])];
    if (logN < 10 || r < 1 || p < 1) return { refused: 'scrypt parameters are too weak' };
    if (128 * r * 2 ** logN > SCRYPT_MAX_MEMORY_BYTES || p > SCRYPT_MAX_P) {
      return { refused: `scrypt parameters ln=${logN},r=${r},p=${p} exceed 256 MiB per check or p=${SCRYPT_MAX_P}` };
    }
    return { kind: 'scrypt' };
  }
  if (BCRYPT_FORMAT.test(hash)) return { kind: 'bcrypt' };
  if (hash.startsWith('$apr1$') || hash.startsWith('$1$')) return { refused: 'MD5-crypt hashes are too weak; use hash-password' };
  if (hash.startsWith('{SHA}')) return { refused: 'SHA1 hashes are too weak; use hash-password' };
  if (/^[./A-Za-z0-9]{13}$/.test(hash)) return { refused: 'DES crypt hashes are too weak; use hash-password' };
  if (hash.startsWith('$')) return { refused: 'unknown hash scheme; use hash-password' };
  return { refused: 'plain-text passwords are not accepted; use hash-password' };
}

function scryptAsync(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scrypt(password, salt, SCRYPT_KEY_BYTES, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** A fresh scrypt hash: `$scrypt$ln=15,r=8,p=1$<salt>$<key>` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT_SALT_BYTES);
  const key = await scryptAsync(password, salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P);
  return `$scrypt$ln=${SCRYPT_LOG_N},r=${SCRYPT_R},p=${SCRYPT_P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Constant-time check of a password against a stored hash of either kind. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const scryptMatch = SCRYPT_FORMAT.exec(hash);
  if (scryptMatch !== null) {
    const [, logN, r, p, salt, key] = scryptMatch;
    const expected = Buffer.from(key, 'base64');
    const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), Number(logN), Number(r), Number(p));
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  if (BCRYPT_FORMAT.test(hash)) return bcrypt.compare(password, hash);
  return false;
}

/**
 * A hash that matches no password, checked when the user name is unknown so that a miss costs
 * the same time as a wrong password (account names do not leak through timing).
 */
export const DUMMY_HASH = `$scrypt$ln=${SCRYPT_LOG_N},r=${SCRYPT_R},p=${SCRYPT_P}$${Buffer.alloc(SCRYPT_SALT_BYTES).toString('base64')}$${Buffer.alloc(SCRYPT_KEY_BYTES).toString('base64')}`;
