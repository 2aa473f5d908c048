// Signed URLs: HMAC-SHA256 over method class, normalised path and expiry, with a key from a file.
// A valid signature grants GET and HEAD on exactly that path until it expires.

import { createHmac, timingSafeEqual } from 'node:crypto';

export const EXPIRES_PARAM = 'expires';
export const SIGNATURE_PARAM = 'signature';
/** Shortest key we accept: 256 bits, the HMAC-SHA256 block's worth of security. */
export const MIN_SIGNING_KEY_BYTES = 32;

function sign(key: Buffer, path: string, expiresAtSeconds: number): Buffer {
  // GET and HEAD share one signature: HEAD is GET without the body.
  return createHmac('sha256', key).update(`GET\n${path}\n${expiresAtSeconds}`).digest();
}

/** The query string to append to `path`: `expires=…&signature=…`. */
export function createSignature(key: Buffer, path: string, expiresAtSeconds: number): string {
  return `${EXPIRES_PARAM}=${expiresAtSeconds}&${SIGNATURE_PARAM}=${sign(key, path, expiresAtSeconds).toString('base64url')}`;
}

export type SignatureCheck = 'absent' | 'valid' | 'invalid' | 'expired';

/**
 * Checks the signature parameters of a raw query string against the normalised path.
 * `absent` when neither parameter is present (the request simply is not a signed URL).
 */
export function checkSignature(key: Buffer, method: string, path: string, rawQuery: string, nowSeconds: number): SignatureCheck {
  const params = new URLSearchParams(rawQuery);
  const expires = params.getAll(EXPIRES_PARAM);
  const signature = params.getAll(SIGNATURE_PARAM);
  if (expires.length === 0 && signature.length === 0) return 'absent';
  // Only the canonical spellings of the two parameters are accepted (no leading zeros, exact
  // unpadded base64url), so a signature has one spelling.
  if (expires.length !== 1 || signature.length !== 1 || !/^(0|[1-9]\d{0,11})$/.test(expires[0])) return 'invalid';
  if (method !== 'GET' && method !== 'HEAD') return 'invalid';
  const expected = Buffer.from(sign(key, path, Number(expires[0])).toString('base64url'));
  const given = Buffer.from(signature[0]);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return Number(expires[0]) < nowSeconds ? 'expired' : 'valid';
}

/** Parses `90s`, `15m`, `2h`, `7d` (or plain seconds) into seconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (match === null) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  // Ten years at most: longer is a mistake, and the server reads at most 12 expiry digits.
  return seconds > 0 && seconds <= 10 * 365 * 86400 ? seconds : undefined;
}
