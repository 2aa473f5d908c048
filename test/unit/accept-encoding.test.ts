import { negotiateEncoding } from '../../src/http/accept-encoding';

describe('negotiateEncoding (RFC 9110 §12.5.3)', () => {
  test.each<[string | undefined, string[], boolean]>([
    [undefined, [], true],
    ['', [], true],
    ['   ', [], true],
    ['gzip', ['gzip'], true],
    ['br', ['br'], true],
    ['gzip, deflate, br', ['br', 'gzip'], true],
    ['gzip, deflate, br, zstd', ['br', 'gzip'], true],
    ['GZIP, BR', ['br', 'gzip'], true],
    ['x-gzip', ['gzip'], true],
    ['deflate', [], true],
    ['identity', [], true],
    ['*', ['br', 'gzip'], true],
    ['*;q=0', [], false],
    ['*;q=0, identity', [], true],
    ['*;q=0, gzip', ['gzip'], false],
    ['identity;q=0', [], false],
    ['gzip, identity;q=0', ['gzip'], false],
    ['br;q=0.5, gzip;q=0.8', ['gzip', 'br'], true],
    ['br;q=0.8, gzip;q=0.8', ['br', 'gzip'], true],
    ['br;q=0, gzip', ['gzip'], true],
    ['gzip;q=0', [], true],
    ['gzip;q=0.5, identity', [], true],
    ['gzip;q=0.5, identity;q=0.5', ['gzip'], true],
    ['gzip;q=0.5, identity;q=0.4', ['gzip'], true],
    ['br;q=1.0, gzip;q=0.001', ['br', 'gzip'], true],
    ['gzip;q=1.5', [], true],
    ['gzip;q=-1', [], true],
    ['gzip;q=0.1234', [], true],
    ['gzip;q=abc', [], true],
    ['gzip;Q=0.5', ['gzip'], true],
    ['gzip ; q=0.5 , br ; q=0.4', ['gzip', 'br'], true],
    ['gzip;q=0, gzip;q=1', ['gzip'], true],
    [',,gzip,,', ['gzip'], true],
    ['*;q=0.5, br', ['br', 'gzip'], true],
  ])('%j → codings %j, identity %s', (header, codings, identityAcceptable) => {
    expect(negotiateEncoding(header)).toEqual({ codings, identityAcceptable });
  });
});
