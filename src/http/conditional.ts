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

// One entity-tag (§8.8.3): optional W/ (case-sensitive), then a quoted opaque-tag whose etagc
// excludes only DQUOTE, so a comma may sit inside the quotes.
const ENTITY_TAG = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")/;

/** Parses `*` or a comma-separated list of entity-tags; malformed members are skipped. */
export function parseEntityTags(header: string): '*' | EntityTag[] {
  if (header.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  let rest = header;
  while (rest.length > 0) {
    rest = rest.replace(/^[ \t,]+/, '');
    if (rest.length === 0) break;
    const match = ENTITY_TAG.exec(rest);
    const after = match === null ? '' : rest.slice(match[0].length).replace(/^[ \t]+/, '');
    if (match !== null && (after === '' || after.startsWith(','))) {
      tags.push({ weak: match[1] !== undefined, opaque: match[2] });
      rest = after;
    } else {
      rest = skipMember(rest);
    }
  }
  return tags;
}

/** Drops a malformed list member: everything up to the next comma outside quotes. */
function skipMember(text: string): string {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === ',' && !quoted) return text.slice(i + 1);
  }
  return '';
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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// RFC 9110 §5.6.7: the three HTTP-date forms, and nothing else Date.parse would accept.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** Parses an HTTP-date (IMF-fixdate, RFC 850 or asctime, all UTC). Anything else: undefined,
 *  so an invalid If-Modified-Since is ignored as §13.1.3 requires. */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let match = IMF_FIXDATE.exec(text);
  if (match !== null) return toUtc(match[3], match[2], match[1], match[4], match[5], match[6]);
  match = RFC850_DATE.exec(text);
  if (match !== null) {
    // §5.6.7: a two-digit year more than 50 years in the future is in the past century.
    const twoDigits = Number(match[3]);
    const thisYear = new Date().getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + twoDigits;
    if (year > thisYear + 50) year -= 100;
    return toUtc(String(year), match[2], match[1], match[4], match[5], match[6]);
  }
  match = ASCTIME_DATE.exec(text);
  if (match !== null) return toUtc(match[6], match[1], match[2].trim(), match[3], match[4], match[5]);
  return undefined;
}

function toUtc(year: string, month: string, day: string, hours: string, minutes: string, seconds: string): number | undefined {
  const ms = Date.UTC(Number(year), MONTHS.indexOf(month), Number(day), Number(hours), Number(minutes), Number(seconds));
  // Reject dates that roll over (Feb 30) rather than silently moving them.
  return new Date(ms).getUTCDate() === Number(day) ? ms : undefined;
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
