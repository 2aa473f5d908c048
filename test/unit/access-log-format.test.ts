import winston from 'winston';
import { AccessEntry, formatJsonAccess } from '../../src/log/logger';

/** What winston's json format writes for the same fields: the JSON access line must not differ. */
function viaWinston(entry: AccessEntry, now: number): string {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entry)) if (value !== undefined) fields[name] = value;
  const json = winston.format.json();
  const info = json.transform({ level: 'info', message: 'access', timestamp: new Date(now).toISOString(), ...fields }, json.options);
  return (info as Record<symbol, string>)[Symbol.for('message')];
}

const base: AccessEntry = {
  remoteAddress: '127.0.0.1',
  user: undefined,
  method: 'GET',
  target: '/a b/"quoted"\\path?x=1',
  httpVersion: '1.1',
  status: 200,
  bytes: 1024,
  referer: undefined,
  userAgent: 'curl/8.0 \u00e9\ud83d\ude00',
  durationMs: 0.123456,
  engine: 'threaded',
};

describe('JSON access line', () => {
  test.each([
    ['a full entry', { ...base, user: 'alice', referer: 'https://example.test/' }],
    ['anonymous, no referer', base],
    ['a request the parser refused', { ...base, method: undefined, target: undefined, httpVersion: undefined, userAgent: undefined, status: 400 }],
    ['control characters in client fields', { ...base, target: '/tab\there\u0001', userAgent: 'x\ny' }],
  ])('%s: the same bytes as winston.format.json', (_name, entry) => {
    const now = Date.UTC(2026, 11, 3, 17, 0, 0, 123);
    expect(formatJsonAccess(entry, now)).toBe(viaWinston(entry, now));
  });

  test('DEL and C1 controls are written as visible text', () => {
    const line = formatJsonAccess({ ...base, target: '/x\u007f\u0085' });
    expect(line).toContain('"target":"/x\\\\u007f\\\\u0085"');
  });
});
