// Conditional request evaluation (RFC 9110 §13): entity-tag lists, HTTP dates and the
// precedence of §13.2.2. Pure.

export interface Validators {
  /** Strong entity-tag including quotes, e.g. `"1a-2b"`. */
  readonly etag: string;
  /** Last modification time in ms since the epoch. */
  readonly lastModifiedMs: number;
}

export interface ConditionalHeaders {
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
  readonly ifUnmodifiedSince?: string;
}

export type PreconditionOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

interface EntityTag {
  readonly weak: boolean;
  /** The opaque-tag with its quotes. */
  readonly opaque: string;
}

const ENTITY_TAG = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/;

/** Parses `*` or a comma-separated list of entity-tags; malformed members are dropped. */
export function parseEntityTags(header: string): '*' | EntityTag[] {
  if (header.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  for (const member of header.split(',')) {
    const match = ENTITY_TAG.exec(member.trim());
    if (match !== null) tags.push({ weak: match[1] !== undefined, opaque: match[2] });
  }
  return tags;
}

function toEntityTag(etag: string): EntityTag {
  return etag.startsWith('W/') ? { weak: true, opaque: etag.slice(2) } : { weak: false, opaque: etag };
}

/** Strong comparison (§8.8.3.2): both strong and identical. */
export function isStrongMatch(header: string, etag: string): boolean {
  const tags = parseEntityTags(header);
  if (tags === '*') return true;
  const current = toEntityTag(etag);
  return !current.weak && tags.some((tag) => !tag.weak && tag.opaque === current.opaque);
}

/** Weak comparison (§8.8.3.2): opaque-tags identical, weakness ignored. */
export function isWeakMatch(header: string, etag: string): boolean {
  const tags = parseEntityTags(header);
  if (tags === '*') return true;
  const current = toEntityTag(etag);
  return tags.some((tag) => tag.opaque === current.opaque);
}

/** Parses an HTTP-date (IMF-fixdate, RFC 850 or asctime). Invalid dates are ignored: undefined. */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Last-Modified has one-second resolution; comparisons must use the same. */
function toHttpSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * The evaluation order of RFC 9110 §13.2.2. `isSafe` is true for GET and HEAD, which get 304
 * where other methods would get 412.
 */
export function evaluatePreconditions(
  headers: ConditionalHeaders,
  validators: Validators,
  isSafe: boolean,
): PreconditionOutcome {
  if (headers.ifMatch !== undefined) {
    if (!isStrongMatch(headers.ifMatch, validators.etag)) return 'precondition-failed';
  } else {
    const since = parseHttpDate(headers.ifUnmodifiedSince);
    if (since !== undefined && toHttpSeconds(validators.lastModifiedMs) > toHttpSeconds(since)) {
      return 'precondition-failed';
    }
  }
  if (headers.ifNoneMatch !== undefined) {
    if (isWeakMatch(headers.ifNoneMatch, validators.etag)) return isSafe ? 'not-modified' : 'precondition-failed';
  } else if (isSafe) {
    const since = parseHttpDate(headers.ifModifiedSince);
    if (since !== undefined && toHttpSeconds(validators.lastModifiedMs) <= toHttpSeconds(since)) {
      return 'not-modified';
    }
  }
  return 'proceed';
}

/**
 * If-Range (§13.1.5): the Range applies only when the validator still matches. An entity-tag
 * needs a strong match; a date must equal Last-Modified exactly.
 */
export function isRangeFresh(ifRange: string | undefined, validators: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return isStrongMatch(value, validators.etag);
  const date = parseHttpDate(value);
  return date !== undefined && toHttpSeconds(date) === toHttpSeconds(validators.lastModifiedMs);
}
