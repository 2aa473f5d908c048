// CORS (Fetch standard §3.2) for a static server: which origins may read, and the headers of the
// answer to an actual request and to a preflight. Pure.

export type CorsPolicy = { readonly anyOrigin: true } | { readonly anyOrigin: false; readonly origins: ReadonlySet<string> };

const ORIGIN = /^https?:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/;

/** Request headers a preflight may ask for: the ones a static server reads. */
const ALLOWED_REQUEST_HEADERS = new Set([
  'accept',
  'accept-language',
  'authorization',
  'cache-control',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'range',
]);
/** Response headers a page may read beyond the CORS-safelisted ones. */
const EXPOSED = 'Content-Length, Content-Range, Content-Encoding, Accept-Ranges, ETag, Last-Modified';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** `*`, or a comma-separated list of exact origins (`https://app.example.com`). Undefined when one is malformed. */
export function parseCorsOrigins(value: string): CorsPolicy | undefined {
  if (value.trim() === '*') return { anyOrigin: true };
  const origins = value.split(',').map((origin) => origin.trim().toLowerCase());
  if (origins.length === 0 || origins.some((origin) => !ORIGIN.test(origin))) return undefined;
  return { anyOrigin: false, origins: new Set(origins) };
}

/** Headers for an actual (non-preflight) request with this Origin. Never echoes an origin that is not configured. */
export function corsHeaders(policy: CorsPolicy, origin: string | undefined): Record<string, string> {
  // Sent whether or not the request says Origin: the answer is the same for everyone, so a
  // cache never hands a CORS request a copy without it.
  if (policy.anyOrigin) return { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': EXPOSED };
  // The answer depends on Origin whenever a list is configured, allowed or not.
  const headers: Record<string, string> = { Vary: 'Origin' };
  if (origin !== undefined && policy.origins.has(origin.toLowerCase())) {
    headers['Access-Control-Allow-Origin'] = origin;
    headers['Access-Control-Expose-Headers'] = EXPOSED;
  }
  return headers;
}

/**
 * Headers for a preflight (OPTIONS with Origin and Access-Control-Request-Method): the allowed
 * origin, GET and HEAD, and those requested headers this server reads. An origin that is not
 * allowed, another method or another header gets no grant, and the browser refuses.
 */
export function preflightHeaders(
  policy: CorsPolicy,
  origin: string,
  requestMethod: string,
  requestHeaders: string | undefined,
): Record<string, string> {
  const headers = corsHeaders(policy, origin);
  delete headers['Access-Control-Expose-Headers'];
  headers.Vary = policy.anyOrigin ? 'Access-Control-Request-Method, Access-Control-Request-Headers' : 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
  if (headers['Access-Control-Allow-Origin'] === undefined) return headers;
  const method = requestMethod.trim().toUpperCase();
  const asked = (requestHeaders ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if ((method !== 'GET' && method !== 'HEAD') || asked.some((name) => !ALLOWED_REQUEST_HEADERS.has(name))) {
    delete headers['Access-Control-Allow-Origin'];
    return headers;
  }
  headers['Access-Control-Allow-Methods'] = 'GET, HEAD';
  if (asked.length > 0) headers['Access-Control-Allow-Headers'] = asked.join(', ');
  headers['Access-Control-Max-Age'] = PREFLIGHT_MAX_AGE_SECONDS;
  return headers;
}
