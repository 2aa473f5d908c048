import { compileAssetGlob, compileGlob } from '../../src/http/glob';
import { ConfigError } from '../../src/errors/http-error';

describe('compileAssetGlob', () => {
  test.each<[string, string, boolean]>([
    ['*.[0-9a-f]{8}.js', '/assets/app.0123abcd.js', true],
    ['*.[0-9a-f]{8}.js', '/app.0123abcd.js', true],
    ['*.[0-9a-f]{8}.js', '/assets/app.0123abc.js', false],
    ['*.[0-9a-f]{8}.js', '/assets/app.0123abcde.js', false],
    ['*.[0-9a-f]{8}.js', '/assets/app.0123ABCD.js', false],
    ['*.[0-9a-f]{8}.js', '/assets/app.js', false],
    ['*.html', '/index.html', true],
    ['*.html', '/a/b/c/page.html', true],
    ['*.html', '/page.htm', false],
    ['*.{js,css}', '/x/site.css', true],
    ['*.{js,css}', '/x/site.js', true],
    ['*.{js,css}', '/x/site.jsx', false],
    ['/fonts/**', '/fonts/a/b.woff2', true],
    ['/fonts/**', '/other/fonts/b.woff2', false],
    ['/static/*.js', '/static/a.js', true],
    ['/static/*.js', '/static/sub/a.js', false],
    ['file?.txt', '/file1.txt', true],
    ['file?{2}.txt', '/file12.txt', true],
    ['file?{2}.txt', '/file1.txt', false],
    ['[!.]*', '/visible', true],
    ['a.b', '/aXb', false],
    ['a+b', '/a+b', true],
    ['(x)', '/(x)', true],
  ])('%s on %s → %s', (pattern, path, expected) => {
    expect(compileAssetGlob(pattern)(path)).toBe(expected);
  });

  test.each(['a[bc', '{js,css', '*{3}', 'x{}', '{a,*}', '[]x', '/no/[x'])('refuses %j with a ConfigError', (pattern) => {
    expect(() => compileAssetGlob(pattern)).toThrow(ConfigError);
  });

  test('authorization globs keep brackets and braces literal', () => {
    expect(compileGlob('/docs[1]/**')('/docs[1]/a')).toBe(true);
    expect(compileGlob('/docs[1]/**')('/docs1/a')).toBe(false);
  });
});
