import { EXPIRES_PARAM, SIGNATURE_PARAM, checkSignature, createSignature, parseDuration } from '../../src/auth/signed-url';

const KEY = Buffer.alloc(32, 0x5a);
const OTHER_KEY = Buffer.alloc(32, 0xa5);
const PATH = '/files/report 2024.pdf';
const NOW = 1_700_000_000;
const EXPIRES = NOW + 600;
const QUERY = createSignature(KEY, PATH, EXPIRES);
const SIG = new URLSearchParams(QUERY).get(SIGNATURE_PARAM)!;

/** Changes the first character of the signature, which always changes the decoded bytes. */
const tamperedSig = (SIG[0] === 'A' ? 'B' : 'A') + SIG.slice(1);

describe('createSignature', () => {
  test('yields expires=<seconds>&signature=<43 base64url characters>', () => {
    expect(QUERY).toMatch(new RegExp(`^${EXPIRES_PARAM}=${EXPIRES}&${SIGNATURE_PARAM}=[A-Za-z0-9_-]{43}$`));
  });

  test('is deterministic for the same key, path and expiry', () => {
    expect(createSignature(KEY, PATH, EXPIRES)).toBe(QUERY);
  });
});

describe('checkSignature', () => {
  test.each([
    // [case, key, method, path, rawQuery, now, result]
    ['a fresh signature on GET', KEY, 'GET', PATH, QUERY, NOW, 'valid'],
    ['a fresh signature on HEAD', KEY, 'HEAD', PATH, QUERY, NOW, 'valid'],
    ['a signature at its exact expiry second', KEY, 'GET', PATH, QUERY, EXPIRES, 'valid'],
    ['other query parameters around the signature', KEY, 'GET', PATH, `a=1&${QUERY}&b=2`, NOW, 'valid'],
    ['parameters in the other order', KEY, 'GET', PATH, `${SIGNATURE_PARAM}=${SIG}&${EXPIRES_PARAM}=${EXPIRES}`, NOW, 'valid'],
    ['no query at all', KEY, 'GET', PATH, '', NOW, 'absent'],
    ['unrelated parameters only', KEY, 'GET', PATH, 'download=1', NOW, 'absent'],
    ['no signature parameters on POST', KEY, 'POST', PATH, 'x=1', NOW, 'absent'],
    ['another path', KEY, 'GET', '/files/other.pdf', QUERY, NOW, 'invalid'],
    ['a path differing by a trailing slash', KEY, 'GET', `${PATH}/`, QUERY, NOW, 'invalid'],
    ['another key', OTHER_KEY, 'GET', PATH, QUERY, NOW, 'invalid'],
    ['a tampered (later) expiry', KEY, 'GET', PATH, `${EXPIRES_PARAM}=${EXPIRES + 1}&${SIGNATURE_PARAM}=${SIG}`, NOW, 'invalid'],
    ['a tampered signature', KEY, 'GET', PATH, `${EXPIRES_PARAM}=${EXPIRES}&${SIGNATURE_PARAM}=${tamperedSig}`, NOW, 'invalid'],
    ['a truncated signature', KEY, 'GET', PATH, `${EXPIRES_PARAM}=${EXPIRES}&${SIGNATURE_PARAM}=${SIG.slice(0, 20)}`, NOW, 'invalid'],
    ['an empty signature', KEY, 'GET', PATH, `${EXPIRES_PARAM}=${EXPIRES}&${SIGNATURE_PARAM}=`, NOW, 'invalid'],
    ['the expiry missing', KEY, 'GET', PATH, `${SIGNATURE_PARAM}=${SIG}`, NOW, 'invalid'],
    ['the signature missing', KEY, 'GET', PATH, `${EXPIRES_PARAM}=${EXPIRES}`, NOW, 'invalid'],
    ['a duplicated signature parameter', KEY, 'GET', PATH, `${QUERY}&${SIGNATURE_PARAM}=${SIG}`, NOW, 'invalid'],
    ['a duplicated expiry parameter', KEY, 'GET', PATH, `${QUERY}&${EXPIRES_PARAM}=${EXPIRES}`, NOW, 'invalid'],
    ['a non-numeric expiry', KEY, 'GET', PATH, `${EXPIRES_PARAM}=soon&${SIGNATURE_PARAM}=${SIG}`, NOW, 'invalid'],
    ['a negative expiry', KEY, 'GET', PATH, `${EXPIRES_PARAM}=-1&${SIGNATURE_PARAM}=${SIG}`, NOW, 'invalid'],
    ['an expiry over 12 digits', KEY, 'GET', PATH, `${EXPIRES_PARAM}=1234567890123&${SIGNATURE_PARAM}=${SIG}`, NOW, 'invalid'],
    ['method POST', KEY, 'POST', PATH, QUERY, NOW, 'invalid'],
    ['method PUT', KEY, 'PUT', PATH, QUERY, NOW, 'invalid'],
    ['lower-case method get', KEY, 'get', PATH, QUERY, NOW, 'invalid'],
    ['an expiry one second in the past', KEY, 'GET', PATH, QUERY, EXPIRES + 1, 'expired'],
    ['an expiry long in the past', KEY, 'HEAD', PATH, QUERY, EXPIRES + 86_400, 'expired'],
  ] as const)('%s → %s', (_case, key, method, path, rawQuery, now, result) => {
    expect(checkSignature(key, method, path, rawQuery, now)).toBe(result);
  });

  test('an expired URL with a wrong signature is invalid, not expired', () => {
    const query = `${EXPIRES_PARAM}=${EXPIRES}&${SIGNATURE_PARAM}=${tamperedSig}`;
    expect(checkSignature(KEY, 'GET', PATH, query, EXPIRES + 1)).toBe('invalid');
  });
});

describe('parseDuration', () => {
  test.each([
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['7d', 604800],
    ['30', 30],
    ['1', 1],
    [' 10m ', 600],
    ['0', undefined],
    ['0s', undefined],
    ['-5m', undefined],
    ['1.5h', undefined],
    ['abc', undefined],
    ['', undefined],
    ['5w', undefined],
    ['5 m', undefined],
    ['5M', undefined],
    ['m', undefined],
    ['1234567890', undefined],
  ])('%j → %s seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
});

describe('signature spellings', () => {
  const key = Buffer.alloc(32, 7);
  const path = '/private/report.pdf';
  const now = 1_000;
  const query = createSignature(key, path, 2_000);
  const signature = /signature=([^&]+)/.exec(query)![1];

  test.each([
    ['trailing garbage on the signature', `expires=2000&signature=${signature}!!!`],
    ['standard base64 for the same bytes', `expires=2000&signature=${Buffer.from(signature, 'base64url').toString('base64')}`],
    ['a leading zero on the expiry', `expires=02000&signature=${signature}`],
  ])('only the canonical form is valid: %s is invalid', (_name, altered) => {
    expect(checkSignature(key, 'GET', path, query, now)).toBe('valid');
    expect(checkSignature(key, 'GET', path, altered, now)).toBe('invalid');
  });
});
