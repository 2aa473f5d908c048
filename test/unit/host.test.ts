import { findHostFields, isValidHost, parseHostAndPort } from '../../src/http/host';

describe('isValidHost', () => {
  test.each([
    'example.com',
    'example.com:8080',
    'EXAMPLE.COM',
    'sub-domain.example.co.uk',
    'localhost',
    'localhost:0',
    '127.0.0.1',
    '127.0.0.1:1',
    '[::1]',
    '[::1]:80',
    '[2001:db8::1]:65535',
    '[::ffff:127.0.0.1]:80',
    'xn--caf-dma.example',
    'host_name',
    'a%20b',
    'example.com:',
    'a'.repeat(255),
  ])('%j is a valid Host', (value) => {
    expect(isValidHost(value)).toBe(true);
  });

  test.each([
    ['empty', ''],
    ['space inside', 'a b'],
    ['leading space', ' example.com'],
    ['trailing space', 'example.com '],
    ['slash', 'a/b'],
    ['userinfo @', 'a@b'],
    ['userinfo before host', 'user:pass@example.com'],
    ['backslash', 'a\\b'],
    ['over 255 characters', 'a'.repeat(256)],
    ['over 255 characters with a port', 'a'.repeat(251) + ':8080'],
    ['port with letters', 'example.com:http'],
    ['port longer than 5 digits', 'example.com:123456'],
    ['two ports', 'example.com:80:81'],
    ['port only', ':80'],
    ['unbracketed IPv6', '::1'],
    ['unclosed bracket', '[::1'],
    ['empty brackets', '[]'],
    ['letters outside hex in brackets', '[::g]'],
    ['question mark', 'example.com?x'],
    ['hash', 'example.com#x'],
    ['CR LF injection', 'example.com\r\nX-Evil: 1'],
    ['NUL', 'example.com\u0000'],
    ['tab', 'example\t.com'],
    ['non-ASCII', 'café.example'],
    ['double quote', '"example.com"'],
    ['angle brackets', '<example.com>'],
  ])('%s (%j) is not a valid Host', (_name, value) => {
    expect(isValidHost(value)).toBe(false);
  });
});

describe('findHostFields', () => {
  test.each([
    ['no headers', [], []],
    ['no Host field', ['Accept', '*/*', 'User-Agent', 'x'], []],
    ['one Host', ['Host', 'example.com', 'Accept', '*/*'], ['example.com']],
    ['lower-case host', ['host', 'example.com'], ['example.com']],
    ['duplicates in different cases, in order', ['Host', 'a', 'Accept', '*/*', 'host', 'b', 'HOST', 'c', 'hOsT', 'd'], ['a', 'b', 'c', 'd']],
    ['duplicate identical values still counted twice', ['Host', 'a', 'Host', 'a'], ['a', 'a']],
    ['empty Host value kept', ['Host', ''], ['']],
    ['names that only contain "host" ignored', ['Hostname', 'x', 'X-Host', 'y', 'X-Forwarded-Host', 'z', 'Host ', 'w'], []],
    ['a value equal to "Host" is not a name', ['X-Name', 'Host', 'Accept', '*/*'], []],
  ] as const)('%s → %j', (_name, rawHeaders, expected) => {
    expect(findHostFields(rawHeaders)).toEqual(expected);
  });
});

describe('parseHostAndPort (hosts a redirect may be built from)', () => {
  test.each([
    ['example.com', 'example.com', undefined],
    ['Assets.Example.COM:8443', 'assets.example.com', 8443],
    ['localhost', 'localhost', undefined],
    ['a-b.c-d.example', 'a-b.c-d.example', undefined],
    ['127.0.0.1:8080', '127.0.0.1', 8080],
    ['[::1]:443', '[::1]', 443],
    ['[2001:db8::1]', '[2001:db8::1]', undefined],
  ])('%s → %s port %s', (value, hostname, port) => {
    expect(parseHostAndPort(value)).toEqual({ hostname, port });
  });

  test.each([
    'evil.example@good.example',
    'user:pass@good.example',
    'good.example/evil',
    'good.example\\evil',
    '%65vil.example',
    'a b',
    '',
    'good.example:',
    'good.example:0',
    'good.example:65536',
    'good.example:80:80',
    '-bad.example',
    'bad-.example',
    'a..b',
    "it's.example",
    'x.example;y',
    '[::1',
    '[..]',
    '[:::::]',
    'a'.repeat(64) + '.example',
    ('a'.repeat(60) + '.').repeat(5) + 'example',
  ])('refuses %j', (value) => {
    expect(parseHostAndPort(value)).toBeUndefined();
  });
});
