// Request-target parsing for the guard stage: one percent-decoding pass, then dot-segment
// normalisation (RFC 3986 §5.2.4) on the decoded path. Pure; throws HttpError on bad input.
// SECURITY: every later stage (authorization, resolve) sees only the normalised `segments`.

import { HttpError } from '../errors/http-error';

/** Longest request-target we accept; longer ones get 414 (nginx's large_client_header_buffers is 8k). */
export const MAX_TARGET_LENGTH_BYTES = 8192;

export interface RequestTarget {
  /** Decoded, normalised path segments: none empty, none `.` or `..`, none with `/`, `\` or NUL. */
  readonly segments: readonly string[];
  /** True when the client named a directory (`/dir/`, `/dir/.`). */
  readonly trailingSlash: boolean;
  /** Normalised decoded path, for logs and rules: `/` + segments joined, plus a trailing slash. */
  readonly path: string;
  /** The raw query string without its `?` (never decoded here), or '' when absent. */
  readonly query: string;
}

const ABSOLUTE_FORM = /^https?:\/\/([^/?#]+)([^#]*)$/i;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
// C0 controls and DEL have no business in a file name we serve (and would be log-injection bait).
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** True when a name holds a character no request for it could carry (it would be a 400). */
export function hasControlCharacters(name: string): boolean {
  return CONTROL_CHARS.test(name);
}

/**
 * Parses an origin-form (`/a/b?q`) or absolute-form (`http://host/a/b?q`, RFC 9112 §3.2.2) target.
 * Asterisk-form (`*`) is handled by the caller, since only OPTIONS may use it.
 */
export function parseRequestTarget(rawTarget: string): RequestTarget {
  if (rawTarget.length > MAX_TARGET_LENGTH_BYTES) throw new HttpError('TH_ERR_URI_TOO_LONG');

  let pathAndQuery: string;
  if (rawTarget.startsWith('/')) {
    pathAndQuery = rawTarget;
  } else {
    const absolute = ABSOLUTE_FORM.exec(rawTarget);
    if (absolute === null) throw new HttpError('TH_ERR_TARGET_FORM');
    pathAndQuery = absolute[2] === '' || absolute[2].startsWith('?') ? '/' + absolute[2] : absolute[2];
  }
  // A fragment is never part of a request-target (RFC 9112 §3.2).
  if (pathAndQuery.includes('#')) throw new HttpError('TH_ERR_TARGET_FORM');

  const queryStart = pathAndQuery.indexOf('?');
  const rawPath = queryStart === -1 ? pathAndQuery : pathAndQuery.slice(0, queryStart);
  const query = queryStart === -1 ? '' : pathAndQuery.slice(queryStart + 1);

  const decoded = decodePath(rawPath);
  return normalisePath(decoded, query);
}

/** Decodes percent-escapes exactly once into UTF-8 text. Malformed escapes, invalid UTF-8
 *  (overlong forms included) and NUL are all 400. */
export function decodePath(rawPath: string): string {
  if (!rawPath.includes('%')) {
    if (CONTROL_CHARS.test(rawPath)) throw new HttpError('TH_ERR_PATH_ENCODING');
    return rawPath;
  }
  const bytes = new Uint8Array(rawPath.length);
  let length = 0;
  for (let i = 0; i < rawPath.length; i++) {
    const code = rawPath.charCodeAt(i);
    if (code === 0x25 /* % */) {
      const byte = i + 2 < rawPath.length ? parseHexByte(rawPath, i + 1) : -1;
      if (byte < 0) throw new HttpError('TH_ERR_PATH_ENCODING');
      bytes[length++] = byte;
      i += 2;
    } else if (code > 0x7e) {
      // llhttp already refuses raw non-ASCII; keep the parser safe on its own too.
      throw new HttpError('TH_ERR_PATH_ENCODING');
    } else {
      bytes[length++] = code;
    }
  }
  let text: string;
  try {
    text = UTF8.decode(bytes.subarray(0, length));
  } catch (cause) {
    throw new HttpError('TH_ERR_PATH_ENCODING', { cause });
  }
  if (CONTROL_CHARS.test(text)) throw new HttpError('TH_ERR_PATH_ENCODING');
  return text;
}

function parseHexByte(text: string, at: number): number {
  const high = hexValue(text.charCodeAt(at));
  const low = hexValue(text.charCodeAt(at + 1));
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * Removes empty, `.` and `..` segments from a decoded path.
 * SECURITY: a `..` that would climb above `/` is a 404, never clamped to the root, so
 * `/../etc/passwd` cannot be mistaken for `/etc/passwd`. Backslash is refused outright.
 */
export function normalisePath(decodedPath: string, query = ''): RequestTarget {
  const segments: string[] = [];
  const parts = decodedPath.split('/');
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segments.length === 0) throw new HttpError('TH_ERR_NOT_FOUND', { cause: 'path climbs above the root' });
      segments.pop();
      continue;
    }
    if (part.includes('\\')) throw new HttpError('TH_ERR_PATH_BACKSLASH');
    segments.push(part);
  }
  const last = parts[parts.length - 1];
  const trailingSlash = segments.length === 0 || last === '' || last === '.' || last === '..';
  const path = '/' + segments.join('/') + (trailingSlash && segments.length > 0 ? '/' : '');
  return { segments, trailingSlash, path, query };
}

/**
 * Dotfile policy (DESIGN.md, Path safety 5): any segment starting with `.` is hidden, except a
 * first segment of `.well-known` (RFC 8615).
 */
export function isHiddenPath(segments: readonly string[]): boolean {
  for (let i = 0; i < segments.length; i++) {
    if (segments[i].startsWith('.') && !(i === 0 && segments[i] === '.well-known')) return true;
  }
  return false;
}

/** Encodes a decoded path back into a safe absolute-path for a Location header. */
export function encodePath(segments: readonly string[], trailingSlash: boolean): string {
  const encoded = segments.map(encodeURIComponent).join('/');
  return '/' + encoded + (trailingSlash && segments.length > 0 ? '/' : '');
}
