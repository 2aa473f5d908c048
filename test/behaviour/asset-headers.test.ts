// Header policy in both engines: security headers, Cache-Control rules and their precedence,
// private caching of protected files, configured headers by glob, and CORS (simple requests,
// preflights, rejections).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { basic, createAuthFixtures } from '../helpers/auth-fixtures';
import { writeTree } from '../helpers/fixtures';
import { request } from '../helpers/http-client';
import { MODES, startTestServer } from '../helpers/start-server';

let base: string;
let root: string;
let configFile: string;
let auth: Awaited<ReturnType<typeof createAuthFixtures>>;

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-headers-'));
  root = path.join(base, 'root');
  writeTree(root, {
    'index.html': '<!doctype html><title>home</title>\n',
    'assets/app.0123abcd.js': 'console.log(1);\n',
    'assets/app.js': 'console.log(2);\n',
    'assets/page.html': '<p>page</p>\n',
    'fonts/a.woff2': 'font',
    'docs/readme.txt': 'readme\n',
  });
  auth = await createAuthFixtures(root, base);
  configFile = path.join(base, 'tinyhttp.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      cacheControl: 'public, max-age=60',
      cacheControlRules: [
        { path: '*.[0-9a-f]{8}.js', value: 'public, max-age=31536000, immutable' },
        { path: '*.html', value: 'no-cache' },
        { path: '/assets/**', value: 'public, max-age=300' },
      ],
      headers: [
        { path: '/fonts/**', set: { 'X-Robots-Tag': 'noindex', 'Timing-Allow-Origin': '*' } },
        { path: '*.html', set: { 'X-Robots-Tag': 'all' } },
      ],
    }),
  );
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe.each(MODES)('%s engine: header policy', (mode) => {
  test('security headers on every answer by default, errors included; --no-security-headers keeps only nosniff', async () => {
    const server = await startTestServer(root, mode);
    try {
      for (const target of ['/docs/readme.txt', '/docs/', '/missing', '/a%00b']) {
        const res = await request(server.url, target);
        expect(res.headers['referrer-policy']).toBe('no-referrer');
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
      }
    } finally {
      await server.close();
    }
    const bare = await startTestServer(root, mode, { options: { securityHeaders: false } });
    try {
      const res = await request(bare.url, '/docs/readme.txt');
      expect(res.headers['referrer-policy']).toBeUndefined();
      expect(res.headers['x-frame-options']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await bare.close();
    }
  });

  test('Cache-Control: first matching rule, else the default; on 304 too; the flag beats the file', async () => {
    const server = await startTestServer(root, mode, { options: { config: configFile } });
    try {
      const cases: [string, string][] = [
        ['/assets/app.0123abcd.js', 'public, max-age=31536000, immutable'],
        ['/assets/page.html', 'no-cache'],
        ['/', 'no-cache'],
        ['/index.html', 'no-cache'],
        ['/assets/app.js', 'public, max-age=300'],
        ['/docs/readme.txt', 'public, max-age=60'],
      ];
      for (const [target, expected] of cases) {
        const res = await request(server.url, target);
        expect([target, res.headers['cache-control']]).toEqual([target, expected]);
      }
      const first = await request(server.url, '/assets/app.0123abcd.js');
      const revalidated = await request(server.url, '/assets/app.0123abcd.js', { headers: { 'if-none-match': first.headers.etag! } });
      expect(revalidated.status).toBe(304);
      expect(revalidated.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      // Errors are not cached by rule.
      expect((await request(server.url, '/assets/missing.js')).headers['cache-control']).toBeUndefined();
    } finally {
      await server.close();
    }
    const flagged = await startTestServer(root, mode, { options: { config: configFile, cacheControl: 'no-store' } });
    try {
      expect((await request(flagged.url, '/docs/readme.txt')).headers['cache-control']).toBe('no-store');
      expect((await request(flagged.url, '/assets/page.html')).headers['cache-control']).toBe('no-cache');
    } finally {
      await flagged.close();
    }
  });

  test('files behind credentials are cached privately, whatever the rule says', async () => {
    const server = await startTestServer(root, mode, {
      options: { config: configFile, authUsers: auth.usersFile, authRules: auth.rulesFile, cacheControl: 'public, max-age=60, s-maxage=600' },
    });
    try {
      const open = await request(server.url, '/public/open.txt');
      expect(open.headers['cache-control']).toBe('public, max-age=60, s-maxage=600');
      const secret = await request(server.url, '/private/secret.txt', { headers: { authorization: basic('alice', auth.alicePassword) } });
      expect(secret.status).toBe(200);
      expect(secret.headers['cache-control']).toBe('private, max-age=60');
    } finally {
      await server.close();
    }
  });

  test('a directory URL is authorized as the index file it serves', async () => {
    const rules = path.join(base, 'index-rules.json');
    fs.mkdirSync(path.join(root, 'secretdir'), { recursive: true });
    fs.writeFileSync(path.join(root, 'secretdir', 'index.html'), 'SECRET-INDEX\n');
    fs.writeFileSync(rules, JSON.stringify([{ path: '/secretdir/index.html', allow: ['role:admin'] }, { path: '/**', allow: ['*'] }]));
    const server = await startTestServer(root, mode, { options: { authUsers: auth.usersFile, authRules: rules, cacheControl: 'public, max-age=600' } });
    try {
      for (const target of ['/secretdir/', '/secretdir/index.html', '/secretdir/./']) {
        const anonymous = await request(server.url, target);
        expect([target, anonymous.status]).toEqual([target, 401]);
        expect(anonymous.text).not.toContain('SECRET-INDEX');
      }
      const admin = await request(server.url, '/secretdir/', { headers: { authorization: basic('alice', auth.alicePassword) } });
      expect(admin.status).toBe(200);
      expect(admin.text).toBe('SECRET-INDEX\n');
      expect(admin.headers['cache-control']).toBe('private, max-age=600');
    } finally {
      await server.close();
    }
  });

  test('configured headers by glob, only where they match; reserved headers are refused at start', async () => {
    const server = await startTestServer(root, mode, { options: { config: configFile } });
    try {
      const font = await request(server.url, '/fonts/a.woff2');
      expect(font.headers['x-robots-tag']).toBe('noindex');
      expect(font.headers['timing-allow-origin']).toBe('*');
      expect((await request(server.url, '/assets/page.html')).headers['x-robots-tag']).toBe('all');
      expect((await request(server.url, '/docs/readme.txt')).headers['x-robots-tag']).toBeUndefined();
    } finally {
      await server.close();
    }
    const bad = path.join(base, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ headers: [{ path: '/**', set: { 'Content-Length': '0' } }] }));
    await expect(startTestServer(root, mode, { options: { config: bad } })).rejects.toThrow(/Content-Length is set by the server/);
    // Cache-Control comes from its own rules, so nothing can undo `private` on protected files.
    fs.writeFileSync(bad, JSON.stringify({ headers: [{ path: '*.js', set: { 'Cache-Control': 'public, max-age=99999' } }] }));
    await expect(startTestServer(root, mode, { options: { config: bad } })).rejects.toThrow(/Cache-Control is set by the server/);
    fs.writeFileSync(bad, JSON.stringify({ cacheControlRules: [{ path: 'a{3,1}', value: 'no-cache' }] }));
    await expect(startTestServer(root, mode, { options: { config: bad } })).rejects.toThrow(/glob "a\{3,1\}": counts must be/);
    fs.writeFileSync(bad, JSON.stringify({ headers: [{ path: '/**', set: { 'X-Evil': 'a\r\nSet-Cookie: x=1' } }] }));
    await expect(startTestServer(root, mode, { options: { config: bad } })).rejects.toThrow(/must be a header value/);
  });

  test('CORS with a list: a listed origin is echoed, any other is not, and Vary says Origin', async () => {
    const server = await startTestServer(root, mode, { options: { cors: 'https://app.example.com, https://admin.example.com:8443' } });
    try {
      const allowed = await request(server.url, '/docs/readme.txt', { headers: { origin: 'https://app.example.com' } });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(allowed.headers['access-control-expose-headers']).toContain('Content-Range');
      expect(allowed.headers.vary).toContain('Origin');
      const other = await request(server.url, '/docs/readme.txt', { headers: { origin: 'https://evil.example.com' } });
      expect(other.status).toBe(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      expect(other.headers.vary).toContain('Origin');
      const lookalike = await request(server.url, '/docs/readme.txt', { headers: { origin: 'https://app.example.com.evil.example' } });
      expect(lookalike.headers['access-control-allow-origin']).toBeUndefined();
      const nullOrigin = await request(server.url, '/docs/readme.txt', { headers: { origin: 'null' } });
      expect(nullOrigin.headers['access-control-allow-origin']).toBeUndefined();
      // An error a page may read too.
      const missing = await request(server.url, '/missing', { headers: { origin: 'https://admin.example.com:8443' } });
      expect(missing.status).toBe(404);
      expect(missing.headers['access-control-allow-origin']).toBe('https://admin.example.com:8443');
      // Vary keeps both reasons when the answer is also compressible.
      const coded = await request(server.url, '/assets/page.html', { headers: { origin: 'https://app.example.com', 'accept-encoding': 'gzip' } });
      expect(coded.headers.vary).toBe('Origin, Accept-Encoding');
    } finally {
      await server.close();
    }
  });

  test('CORS preflight: granted for a listed origin, GET/HEAD and headers the server reads; refused otherwise', async () => {
    const server = await startTestServer(root, mode, { options: { cors: 'https://app.example.com' } });
    try {
      const preflight = (origin: string, method: string, headers?: string) =>
        request(server.url, '/docs/readme.txt', {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': method, ...(headers === undefined ? {} : { 'access-control-request-headers': headers }) },
        });
      const granted = await preflight('https://app.example.com', 'GET', 'Range, If-None-Match');
      expect(granted.status).toBe(204);
      expect(granted.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(granted.headers['access-control-allow-methods']).toBe('GET, HEAD');
      expect(granted.headers['access-control-allow-headers']).toBe('range, if-none-match');
      expect(granted.headers['access-control-max-age']).toBe('600');
      for (const [origin, method, headers] of [
        ['https://evil.example.com', 'GET', undefined],
        ['https://app.example.com', 'POST', undefined],
        ['https://app.example.com', 'GET', 'X-Evil'],
      ] as const) {
        const refused = await preflight(origin, method, headers);
        expect(refused.status).toBe(204);
        expect(refused.headers['access-control-allow-origin']).toBeUndefined();
        expect(refused.headers['access-control-allow-methods']).toBeUndefined();
      }
    } finally {
      await server.close();
    }
  });

  test('CORS *: any origin may read, without echoing it', async () => {
    const server = await startTestServer(root, mode, { options: { cors: '*' } });
    try {
      const res = await request(server.url, '/docs/readme.txt', { headers: { origin: 'https://anyone.example' } });
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers.vary ?? '').not.toContain('Origin');
      // The same answer for everyone, so a cache can hand it to any page.
      expect((await request(server.url, '/docs/readme.txt')).headers['access-control-allow-origin']).toBe('*');
    } finally {
      await server.close();
    }
    await expect(startTestServer(root, mode, { options: { cors: 'app.example.com' } })).rejects.toThrow(/--cors must be \*/);
    await expect(startTestServer(root, mode, { options: { cors: 'https://a.example/path' } })).rejects.toThrow(/--cors must be \*/);
  });
});
