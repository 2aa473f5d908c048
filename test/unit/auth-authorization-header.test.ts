import { parseAuthorization } from '../../src/http/authorization';

const b64 = (bytes: string | Buffer): string => (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64');

describe('parseAuthorization: Basic', () => {
  test.each([
    ['user:pass', `Basic ${b64('alice:secret')}`, 'alice', 'secret'],
    ['a password containing colons', `Basic ${b64('alice:a:b:c')}`, 'alice', 'a:b:c'],
    ['an empty password', `Basic ${b64('alice:')}`, 'alice', ''],
    ['a UTF-8 user and password', `Basic ${b64('jürgen:pässwörd€')}`, 'jürgen', 'pässwörd€'],
    ['a password with spaces', `Basic ${b64('bob:  two  spaces ')}`, 'bob', '  two  spaces '],
    ['the RFC 7617 example', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', 'Aladdin', 'open sesame'],
    ['a lower-case scheme', `basic ${b64('alice:secret')}`, 'alice', 'secret'],
    ['an upper-case scheme', `BASIC ${b64('alice:secret')}`, 'alice', 'secret'],
    ['a mixed-case scheme', `bAsIc ${b64('alice:secret')}`, 'alice', 'secret'],
    ['extra spaces before the credentials', `Basic   ${b64('alice:secret')}`, 'alice', 'secret'],
    ['trailing spaces after the credentials', `Basic ${b64('alice:secret')}  `, 'alice', 'secret'],
  ])('accepts %s', (_case, header, user, password) => {
    expect(parseAuthorization(header)).toEqual({ scheme: 'basic', user, password });
  });

  test.each([
    ['no space after the scheme', `Basic${b64('alice:secret')}`],
    ['the scheme alone', 'Basic'],
    ['the scheme and a space only', 'Basic '],
    ['an empty user', `Basic ${b64(':secret')}`],
    ['no colon', `Basic ${b64('alicesecret')}`],
    ['invalid base64 characters', 'Basic YWxp*2U6c2VjcmV0'],
    ['base64url characters', `Basic ${b64(Buffer.from([0xfb, 0xff, 0x3a, 0x61])).replace(/\+/g, '-').replace(/\//g, '_')}`],
    ['a space inside the base64', 'Basic YWxp Y2U6c2VjcmV0'],
    ['unpadded base64 (length not a multiple of 4)', `Basic ${b64('alice:secre').replace(/=+$/, '')}`],
    ['one padding character short', `Basic ${b64('alice:secr').slice(0, -1)}`],
    ['too much padding', `Basic ${b64('alice:secre')}==`],
    ['padding in the middle', 'Basic YQ==YWxpY2U6'],
    ['invalid UTF-8 bytes', `Basic ${b64(Buffer.from([0x61, 0x3a, 0xff, 0xfe]))}`],
    ['a truncated UTF-8 sequence', `Basic ${b64(Buffer.from([0x61, 0xc3, 0x3a, 0x62]))}`],
  ])('refuses %s', (_case, header) => {
    expect(parseAuthorization(header)).toBeUndefined();
  });
});

describe('parseAuthorization: Bearer', () => {
  test.each([
    ['an opaque token', 'Bearer abc123', 'abc123'],
    ['every token68 character', 'Bearer aZ09-._~+/', 'aZ09-._~+/'],
    ['trailing = padding', 'Bearer dG9rZW4=', 'dG9rZW4='],
    ['several = at the end', 'Bearer abc===', 'abc==='],
    ['a lower-case scheme', 'bearer abc', 'abc'],
    ['an upper-case scheme', 'BEARER abc', 'abc'],
    ['surrounding spaces', 'Bearer   abc  ', 'abc'],
  ])('accepts %s', (_case, header, token) => {
    expect(parseAuthorization(header)).toEqual({ scheme: 'bearer', token });
  });

  test.each([
    ['a space inside the token', 'Bearer abc def'],
    ['a double quote', 'Bearer "abc"'],
    ['a comma', 'Bearer abc,def'],
    ['= in the middle', 'Bearer ab=c'],
    ['a leading =', 'Bearer =abc'],
    ['an empty token', 'Bearer '],
    ['no space after the scheme', 'Bearerabc'],
    ['a non-ASCII character', 'Bearer tökén'],
  ])('refuses %s', (_case, header) => {
    expect(parseAuthorization(header)).toBeUndefined();
  });
});

describe('parseAuthorization: other input', () => {
  test.each([
    ['an undefined header', undefined],
    ['an empty header', ''],
    ['the Digest scheme', 'Digest username="alice", realm="x"'],
    ['the Negotiate scheme', 'Negotiate YIIB'],
    ['a scheme that only starts like Basic', `Basicx ${b64('alice:secret')}`],
    ['a leading space before the scheme', ` Basic ${b64('alice:secret')}`],
  ])('%s → undefined', (_case, header) => {
    expect(parseAuthorization(header)).toBeUndefined();
  });
});
