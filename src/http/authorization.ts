// Authorization header parsing (RFC 9110 §11.6.2; Basic RFC 7617; Bearer RFC 6750). Pure.

export type Credentials =
  | { readonly scheme: 'basic'; readonly user: string; readonly password: string }
  | { readonly scheme: 'bearer'; readonly token: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Parses Basic or Bearer credentials; anything else (or malformed) is undefined. */
export function parseAuthorization(header: string | undefined): Credentials | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space === -1) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'basic') {
    if (!BASE64.test(value) || value.length % 4 !== 0) return undefined;
    let decoded: string;
    try {
      decoded = UTF8.decode(Buffer.from(value, 'base64'));
    } catch {
      return undefined;
    }
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    return { scheme: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (scheme === 'bearer') {
    return TOKEN68.test(value) ? { scheme: 'bearer', token: value } : undefined;
  }
  return undefined;
}
