// Host header validation (RFC 9112 §3.2, RFC 3986 §3.2.2). Pure.

// reg-name or IPv4 (unreserved / sub-delims / pct-encoded), or an IP-literal in brackets; optional port.
const HOST_PATTERN = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]{0,5})?$/;

/** True when `value` is a syntactically valid, non-empty Host field value. */
export function isValidHost(value: string): boolean {
  return value.length > 0 && value.length <= 255 && HOST_PATTERN.test(value);
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
