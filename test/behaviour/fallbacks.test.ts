// Single-page-app fallback, clean URLs and error pages in both engines.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeTree } from '../helpers/fixtures';
import { request } from '../helpers/http-client';
import { MODES, startTestServer } from '../helpers/start-server';
import { basic, createAuthFixtures } from '../helpers/auth-fixtures';

let base: string;
let root: string;
const NAV = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
let auth: Awaited<ReturnType<typeof createAuthFixtures>>;

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-fallbacks-'));
  root = path.join(base, 'root');
  writeTree(root, {
    'index.html': '<!doctype html><title>app shell</title>\n',
    'about.html': '<p>about</p>\n',
    'docs/index.html': '<p>docs</p>\n',
    'docs/guide.html': '<p>guide</p>\n',
    'both': 'the file named both\n',
    'both.html': '<p>both.html</p>\n',
    'app.js': 'console.log(1);\n',
    'errors/404.html': '<!doctype html><title>custom 404</title><p>We looked everywhere.</p>\n',
    'errors/403.html': '<p>custom forbidden</p>\n',
  });
  auth = await createAuthFixtures(root, base);
  fs.writeFileSync(path.join(root, '.env'), 'SECRET=1\n');
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe.each(MODES)('%s engine: --spa', (mode) => {
  test('page navigations that would 404 get the app shell with 200; assets and other clients keep their 404', async () => {
    const server = await startTestServer(root, mode, { options: { spa: 'index.html' } });
    try {
      for (const target of ['/dashboard', '/users/42/edit', '/deep/route/']) {
        const res = await request(server.url, target, { headers: NAV });
        expect([target, res.status, res.text]).toEqual([target, 200, '<!doctype html><title>app shell</title>\n']);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      }
      expect((await request(server.url, '/missing.js', { headers: { accept: '*/*' } })).status).toBe(404);
      expect((await request(server.url, '/dashboard')).status).toBe(404);
      expect((await request(server.url, '/dashboard', { headers: { accept: 'application/json' } })).status).toBe(404);
      expect((await request(server.url, '/dashboard', { headers: { accept: 'text/html;q=0' } })).status).toBe(404);
      // Whether a missing URL gets the shell depends on Accept, for the shell and the 404 alike.
      expect((await request(server.url, '/dashboard', { headers: NAV })).headers.vary).toContain('Accept');
      expect((await request(server.url, '/missing.js', { headers: { accept: '*/*' } })).headers.vary).toContain('Accept');
      // Existing files are themselves; hidden paths stay hidden.
      expect((await request(server.url, '/app.js', { headers: NAV })).text).toBe('console.log(1);\n');
      expect((await request(server.url, '/.env', { headers: NAV })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  test('the fallback file is subject to the same rules as any file', async () => {
    fs.writeFileSync(path.join(root, 'private', 'shell.html'), '<p>private shell</p>\n');
    const server = await startTestServer(root, mode, { options: { spa: 'private/shell.html', authUsers: auth.usersFile, authRules: auth.rulesFile } });
    try {
      const anonymous = await request(server.url, '/public/route', { headers: NAV });
      expect(anonymous.status).toBe(404);
      expect(anonymous.text).not.toContain('private shell');
      const admin = await request(server.url, '/public/route', { headers: { ...NAV, authorization: basic('alice', auth.alicePassword) } });
      expect(admin.status).toBe(200);
      expect(admin.text).toBe('<p>private shell</p>\n');
    } finally {
      await server.close();
    }
  });
});

describe.each(MODES)('%s engine: --clean-urls', (mode) => {
  test('/about serves about.html; /about.html and /docs/index.html redirect, keeping the query', async () => {
    const server = await startTestServer(root, mode, { options: { cleanUrls: true } });
    try {
      const about = await request(server.url, '/about');
      expect(about.status).toBe(200);
      expect(about.text).toBe('<p>about</p>\n');
      expect((await request(server.url, '/docs/guide')).text).toBe('<p>guide</p>\n');
      const redirect = await request(server.url, '/about.html?x=1');
      expect(redirect.status).toBe(301);
      expect(redirect.headers.location).toBe('/about?x=1');
      const index = await request(server.url, '/docs/index.html');
      expect(index.status).toBe(301);
      expect(index.headers.location).toBe('/docs/');
      // A real file named like the short form wins, and the .html one is served as it is.
      expect((await request(server.url, '/both')).text).toBe('the file named both\n');
      expect((await request(server.url, '/both.html')).status).toBe(200);
      expect((await request(server.url, '/nothing')).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  test('redirects never leave this host', async () => {
    const server = await startTestServer(root, mode, { options: { cleanUrls: true } });
    try {
      fs.mkdirSync(path.join(root, 'evil.example'), { recursive: true });
      fs.writeFileSync(path.join(root, 'evil.example', 'x.html'), 'x');
      for (const target of ['//evil.example/x.html', '/%2fevil.example/x.html', '/./evil.example/x.html', 'http://evil.example/evil.example/x.html']) {
        const res = await request(server.url, target);
        expect(res.status).toBe(301);
        expect(res.headers.location).toBe('/evil.example/x');
      }
    } finally {
      await server.close();
    }
  });
});

describe.each(MODES)('%s engine: error pages', (mode) => {
  test('--error-page serves the operator’s page with the right status', async () => {
    const server = await startTestServer(root, mode, {
      options: { errorPage: '404=errors/404.html,403=/errors/403.html', authUsers: auth.usersFile, authRules: auth.rulesFile },
    });
    try {
      const missing = await request(server.url, '/nope');
      expect(missing.status).toBe(404);
      expect(missing.text).toContain('We looked everywhere.');
      expect(missing.headers['content-type']).toBe('text/html; charset=utf-8');
      const head = await request(server.url, '/nope', { method: 'HEAD' });
      expect(head.status).toBe(404);
      expect(head.body.length).toBe(0);
      const forbidden = await request(server.url, '/private/secret.txt', { headers: { authorization: basic('bob', auth.bobPassword) } });
      expect(forbidden.status).toBe(403);
      expect(forbidden.text).toBe('<p>custom forbidden</p>\n');
      // A status without a page keeps the built-in answer.
      expect((await request(server.url, '/a%00b')).text).toBe('Bad Request: invalid percent-encoding or NUL in path\n');
    } finally {
      await server.close();
    }
  });

  test('built-in pages: HTML for browsers (styled, strict CSP, nothing leaked), text otherwise', async () => {
    const server = await startTestServer(root, mode);
    try {
      const page = await request(server.url, '/nope/../../etc/passwd', { headers: NAV });
      expect(page.status).toBe(404);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.text).toContain('<h1>404 Not Found</h1>');
      expect(page.text).not.toMatch(/etc|passwd|\/tmp|tinyhttp-fallbacks|at [A-Za-z]+ \(/);
      expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
      expect(Number(page.headers['content-length'])).toBe(page.body.length);
      const plain = await request(server.url, '/nope');
      expect(plain.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(plain.text).toBe('Not Found\n');
    } finally {
      await server.close();
    }
  });

  test('an error page outside the root or malformed stops the start', async () => {
    await expect(startTestServer(root, mode, { options: { errorPage: '404=../secret.html' } })).rejects.toThrow(/must name a file inside the root/);
    await expect(startTestServer(root, mode, { options: { errorPage: '200=ok.html' } })).rejects.toThrow(/STATUS=FILE/);
    await expect(startTestServer(root, mode, { options: { spa: '../index.html' } })).rejects.toThrow(/--spa/);
  });
});
