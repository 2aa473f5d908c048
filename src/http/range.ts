// Range header parsing (RFC 9110 §14.1–14.2) and Content-Range formatting. Pure.

/** Inclusive byte range, already clamped to the representation. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export type RangeResult =
  /** No usable Range header: absent, not `bytes`, malformed or too many parts → serve 200. */
  | { readonly kind: 'none' }
  /** Well-formed, but no range overlaps the representation → 416. */
  | { readonly kind: 'unsatisfiable' }
  /** Satisfiable ranges, coalesced and in ascending order → 206. */
  | { readonly kind: 'ranges'; readonly ranges: readonly ByteRange[] };

/**
 * More range-specs than this and the header is ignored (full 200), so a client cannot turn one
 * request into thousands of multipart headers (the CVE-2011-3192 "Apache Killer" shape).
 */
export const MAX_RANGE_SPECS = 64;

const NONE: RangeResult = { kind: 'none' };
const UNSATISFIABLE: RangeResult = { kind: 'unsatisfiable' };
const DIGITS = /^[0-9]+$/;

export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return NONE;
  const equals = header.indexOf('=');
  if (equals === -1 || header.slice(0, equals).trim().toLowerCase() !== 'bytes') return NONE;

  // #rule lists allow empty elements and optional whitespace (RFC 9110 §5.6.1).
  const specs = header.slice(equals + 1).split(',').map((spec) => spec.trim()).filter((spec) => spec !== '');
  if (specs.length === 0 || specs.length > MAX_RANGE_SPECS) return NONE;

  const satisfiable: ByteRange[] = [];
  for (const spec of specs) {
    const dash = spec.indexOf('-');
    if (dash === -1) return NONE;
    const first = spec.slice(0, dash);
    const last = spec.slice(dash + 1);
    if (first === '') {
      // suffix-range: the last N bytes.
      if (!DIGITS.test(last)) return NONE;
      const length = toPosition(last);
      if (length > 0 && size > 0) satisfiable.push({ start: Math.max(0, size - length), end: size - 1 });
      continue;
    }
    if (!DIGITS.test(first) || (last !== '' && !DIGITS.test(last))) return NONE;
    const start = toPosition(first);
    const end = last === '' ? Infinity : toPosition(last);
    if (end < start) return NONE; // invalid int-range makes the whole header invalid (§14.1.1)
    if (start < size) satisfiable.push({ start, end: Math.min(end, size - 1) });
  }
  if (satisfiable.length === 0) return UNSATISFIABLE;
  return { kind: 'ranges', ranges: coalesceRanges(satisfiable) };
}

/** Leading zeros are allowed (`0005`); digit strings too long for a double are simply "very
 *  large", which clamps correctly. */
function toPosition(digits: string): number {
  const significant = digits.replace(/^0+(?=\d)/, '');
  return significant.length > 15 ? Infinity : Number(significant);
}

/** Sorts and merges overlapping or adjacent ranges (RFC 9110 §14.6 allows coalescing). */
export function coalesceRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const range of sorted) {
    const previous = merged[merged.length - 1];
    if (previous !== undefined && range.start <= previous.end + 1) {
      merged[merged.length - 1] = { start: previous.start, end: Math.max(previous.end, range.end) };
    } else {
      merged.push(range);
    }
  }
  return merged;
}

export function toContentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}
