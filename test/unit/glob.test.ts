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

  test.each(['a[bc', '{js,css', '*{3}', 'x{}', '{a,*}', '[]x', '/no/[x', 'a{3,1}', '[z-a]', 'a{65}', 'a}', 'a]'])('refuses %j with a ConfigError', (pattern) => {
    expect(() => compileAssetGlob(pattern)).toThrow(ConfigError);
  });

  test('authorization globs keep brackets and braces literal', () => {
    expect(compileGlob('/docs[1]/**')('/docs[1]/a')).toBe(true);
    expect(compileGlob('/docs[1]/**')('/docs1/a')).toBe(false);
  });
});

describe('glob matching time', () => {
  // Matched against request paths before any file is looked up: a pattern with many stars on a
  // long segment must stay fast (a backtracking regex took seconds on 3,000 characters).
  test.each([
    ['/**/*-*-*.pdf', '/' + '-'.repeat(8000)],
    ['/**/*a*a*a*a*a*a*a*b', '/' + 'a'.repeat(8000)],
    ['/*?*?*?*?*x', '/' + 'y'.repeat(8000)],
  ])('%s on an 8,000-character segment', (pattern, path) => {
    const started = process.hrtime.bigint();
    expect(compileGlob(pattern)(path)).toBe(false);
    expect(compileAssetGlob(pattern)(path)).toBe(false);
    // A bound two orders of magnitude above the linear cost, far below the seconds backtracking took.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2_000);
  });

  test('stars, classes and counts still mean what they say', () => {
    expect(compileGlob('/**/*-*-*.pdf')('/docs/a-b-c.pdf')).toBe(true);
    expect(compileGlob('/**/*-*-*.pdf')('/docs/a-b.pdf')).toBe(false);
    expect(compileAssetGlob('x[0-9]{2,3}y')('/x12y')).toBe(true);
    expect(compileAssetGlob('x[0-9]{2,3}y')('/x1234y')).toBe(false);
    expect(compileAssetGlob('x[0-9]{2,}y')('/x1234y')).toBe(true);
    expect(compileAssetGlob('[!a-c]*')('/drive')).toBe(true);
    expect(compileAssetGlob('[!a-c]*')('/bdrive')).toBe(false);
    expect(compileGlob('/a?c')('/a\u2028c')).toBe(true);
  });
});
