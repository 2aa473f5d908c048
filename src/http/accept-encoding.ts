// Accept-Encoding negotiation (RFC 9110 §12.5.3) for the two content codings the server produces
// or finds precompressed beside a file: br and gzip. Pure.

export type ContentCoding = 'br' | 'gzip';

/** When the client likes two codings equally: brotli is smaller. */
const SERVER_PREFERENCE: readonly ContentCoding[] = ['br', 'gzip'];

export interface EncodingPreference {
  /** Codings the client accepts at least as much as identity, best first (q, then server preference). */
  readonly codings: readonly ContentCoding[];
  /** False when the client excluded identity (`identity;q=0`, or `*;q=0` without an identity entry). */
  readonly identityAcceptable: boolean;
}

const IDENTITY_ONLY: EncodingPreference = { codings: [], identityAcceptable: true };

/**
 * No header, or an empty one, means identity only: clients that decode say so (RFC 9110 allows
 * any coding when the field is absent, but no server sends one to a client that did not ask).
 */
export function negotiateEncoding(header: string | undefined): EncodingPreference {
  if (header === undefined || header.trim() === '') return IDENTITY_ONLY;
  const qualities = new Map<string, number>();
  for (const member of header.split(',')) {
    const [token, ...params] = member.split(';');
    let name = token.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'x-gzip') name = 'gzip';
    let q = 1;
    for (const param of params) {
      const [key, value = ''] = param.split('=').map((part) => part.trim());
      if (key.toLowerCase() === 'q') q = parseQuality(value);
    }
    // The same coding twice: the higher weight wins, as most servers read it.
    qualities.set(name, Math.max(q, qualities.get(name) ?? 0));
  }
  const star = qualities.get('*');
  // Identity unnamed (and no `*`) is acceptable but ranks below every coding the client named;
  // named, it competes by weight like the rest.
  const identityQ = qualities.get('identity') ?? star;
  const ranked = SERVER_PREFERENCE.map((coding) => ({ coding, q: qualities.get(coding) ?? star ?? 0 }))
    .filter(({ q }) => q > 0 && (identityQ === undefined || q >= identityQ))
    // Stable sort: equal weights keep the server's order.
    .sort((a, b) => b.q - a.q);
  return { codings: ranked.map(({ coding }) => coding), identityAcceptable: identityQ === undefined || identityQ > 0 };
}

/** A qvalue is 0 to 1 with up to three decimals (RFC 9110 §12.4.2); anything else counts as 0. */
function parseQuality(value: string): number {
  if (!/^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/.test(value)) return 0;
  return Number(value);
}
