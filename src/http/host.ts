// Host header validation (RFC 9112 §3.2, RFC 3986 §3.2.2). Pure.

import { isIPv6 } from 'node:net';

// reg-name or IPv4 (unreserved / sub-delims / pct-encoded), or an IP-literal in brackets; optional port.
const HOST_PATTERN = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]{0,5})?$/;

/** True when `value` is a syntactically valid, non-empty Host field value. */
export function isValidHost(value: string): boolean {
  return value.length > 0 && value.length <= 255 && HOST_PATTERN.test(value);
}

/**
 * RFC 9112 §3.2 for HTTP/1.x, given the Host fields found (`count`, the first one's `value`): at
 * most one, and valid; HTTP/1.1 must send one, HTTP/1.0 may not.
 */
export function isAcceptableHttp1Host(count: number, value: string | undefined, httpVersionMinor: number): boolean {
  if (count === 0) return httpVersionMinor === 0;
  return count === 1 && isValidHost(value!);
}

/**
 * Counts Host fields in Node's rawHeaders (name/value pairs). Node keeps only the first Host in
 * `req.headers`, so duplicates are visible only here (RFC 9112 §3.2: more than one is a 400).
 */
export function findHostFields(rawHeaders: readonly string[]): string[] {
  const hosts: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === 4 && name.toLowerCase() === 'host') hosts.push(rawHeaders[i + 1]);
  }
  return hosts;
}

const DNS_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST_NAME = `${DNS_LABEL}(?:\\.${DNS_LABEL})*`;
const IPV4 = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}';
const IPV6_LITERAL = '\\[[0-9A-Fa-f:.]{2,45}\\]';
const REDIRECT_HOST = new RegExp(`^(${HOST_NAME}|${IPV4}|${IPV6_LITERAL})(?::([0-9]{1,5}))?$`);

export interface HostAndPort {
  /** A DNS name, an IPv4 address or a bracketed IPv6 literal: safe to put in a URL as is. */
  readonly hostname: string;
  readonly port: number | undefined;
}

/**
 * Parses a Host value strictly enough to build a redirect from it: a DNS name (letters, digits,
 * hyphens, dots), an IPv4 address or an IPv6 literal, and an optional port. Anything else
 * (userinfo, percent-escapes, sub-delims, an empty or out-of-range port) is undefined.
 */
export function parseHostAndPort(value: string): HostAndPort | undefined {
  if (value.length > 255) return undefined;
  const match = REDIRECT_HOST.exec(value);
  if (match === null) return undefined;
  // The literal must be an address, not just hex digits and colons (`[..]`).
  if (match[1].startsWith('[') && !isIPv6(match[1].slice(1, -1))) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { hostname: match[1].toLowerCase(), port };
}
