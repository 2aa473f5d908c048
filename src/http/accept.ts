// Minimal Accept negotiation (RFC 9110 §12.5.1) for the one choice the server makes from it:
// a directory listing as HTML or as JSON. Pure.

/** q-value of the most specific media range in `accept` that matches `type`; 0 when none does. */
export function qualityOf(accept: string, type: string): number {
  const [major] = type.split('/');
  let best = -1;
  let bestSpecificity = -1;
  for (const member of accept.split(',')) {
    const [rangePart, ...params] = member.split(';');
    const range = rangePart.trim().toLowerCase();
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity < 0 || specificity < bestSpecificity) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((s) => s.trim());
      if (name.toLowerCase() === 'q') q = Number.parseFloat(value);
    }
    if (Number.isNaN(q)) q = 0;
    best = specificity > bestSpecificity ? q : Math.max(best, q);
    bestSpecificity = specificity;
  }
  return Math.max(best, 0);
}

/** True when the client asks for JSON and ranks it above HTML (a browser never does). */
export function prefersJson(accept: string | undefined): boolean {
  if (accept === undefined || !accept.toLowerCase().includes('json')) return false;
  const json = qualityOf(accept, 'application/json');
  return json > 0 && json > qualityOf(accept, 'text/html');
}
