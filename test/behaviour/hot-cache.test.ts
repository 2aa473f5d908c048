// The hot-path cache (--cache-size, --cache-ttl, --no-cache) and the memoised answers built from
// it: byte-identical to uncached answers, fresh within the TTL, and never a way around a check.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeTree } from '../helpers/fixtures';
import { rawExchange, request } from '../helpers/http-client';
import { MODES, startTestServer, TestServer } from '../helpers/start-server';

const TTL_MS = 300;
const APP_JS = Buffer.from('export function greet(name) {\n  return `hello, ${name}`;\n}\n'.repeat(60));

/** One raw exchange on a fresh connection, with the Date line taken out (it is the only field that may differ). */
async function rawAnswer(server: TestServer, head: string): Promise<string> {
  const { data } = await rawExchange(server.port, `${head}\r\nConnection: close\r\n\r\n`, 5_000);
  return data.toString('latin1').replace(/^Date: .*\r\n/im, '');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(MODES)('%s engine: hot-path cache', (mode) => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-hot-cache-'));
    writeTree(root, {
      'hello.txt': 'hello world\n',
      'medium.bin': randomBytes(300 * 1024),
      'app.js': APP_JS,
      'dir/index.html': '<!doctype html><title>dir</title>\n',
      'twin.js': APP_JS,
      'twin.js.br': Buffer.from('not really brotli'),
      'private/secret.txt': 'only for some\n',
    });
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('cached answers (first and repeated) are byte-identical to uncached ones, headers included', async () => {
    const cached = await startTestServer(root, mode, { options: { cacheControl: 'public, max-age=60' } });
    const uncached = await startTestServer(root, mode, { options: { cacheControl: 'public, max-age=60', cache: false } });
    try {
      const heads = [
        'GET /hello.txt HTTP/1.1\r\nHost: localhost',
        'HEAD /hello.txt HTTP/1.1\r\nHost: localhost',
        'GET /medium.bin HTTP/1.1\r\nHost: localhost',
        'GET /app.js HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: br, gzip',
        'GET /app.js HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip',
        'GET /twin.js HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: br',
        'GET /dir/ HTTP/1.1\r\nHost: localhost',
        'GET /hello.txt HTTP/1.0',
      ];
      for (const head of heads) {
        const reference = await rawAnswer(uncached, head);
        expect(reference).toMatch(/^HTTP\/1\.[01] 200 OK\r\n/);
        // The first answer fills the cache, the next ones come from it (and from the memo).
        for (let i = 0; i < 3; i++) expect(await rawAnswer(cached, head)).toBe(reference);
      }
    } finally {
      await Promise.all([cached.close(), uncached.close()]);
    }
  });

  test('a changed file is served within --cache-ttl, a deleted one is 404 within it', async () => {
    const server = await startTestServer(root, mode, { options: { cacheTtl: String(TTL_MS) } });
    const file = path.join(root, `changing-${mode}.txt`);
    try {
      fs.writeFileSync(file, 'first version\n');
      for (let i = 0; i < 3; i++) expect((await request(server.url, `/changing-${mode}.txt`)).text).toBe('first version\n');
      fs.writeFileSync(file, 'second, longer version\n');
      await sleep(TTL_MS + 50);
      expect((await request(server.url, `/changing-${mode}.txt`)).text).toBe('second, longer version\n');
      expect((await request(server.url, `/changing-${mode}.txt`)).text).toBe('second, longer version\n');
      fs.rmSync(file);
      await sleep(TTL_MS + 50);
      expect((await request(server.url, `/changing-${mode}.txt`)).status).toBe(404);
    } finally {
      fs.rmSync(file, { force: true });
      await server.close();
    }
  });

  test('a cached file swapped for a symlink out of the root is 404 after the TTL, never the outside bytes', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-hot-cache-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'OUTSIDE-THE-ROOT\n');
    const server = await startTestServer(root, mode, { options: { cacheTtl: String(TTL_MS) } });
    const file = path.join(root, `swapped-${mode}.txt`);
    try {
      fs.writeFileSync(file, 'inside\n');
      for (let i = 0; i < 3; i++) expect((await request(server.url, `/swapped-${mode}.txt`)).text).toBe('inside\n');
      fs.rmSync(file);
      fs.symlinkSync(path.join(outside, 'secret.txt'), file);
      await sleep(TTL_MS + 50);
      const answer = await request(server.url, `/swapped-${mode}.txt`);
      expect(answer.status).toBe(404);
      expect(answer.text).not.toContain('OUTSIDE');
    } finally {
      fs.rmSync(file, { force: true });
      fs.rmSync(outside, { recursive: true, force: true });
      await server.close();
    }
  });

  /** Requests `target` every 20 ms for `ms` (so background renewals run) and returns the last answer. */
  async function keepHot(server: TestServer, target: string, ms: number, headers: Record<string, string> = {}): Promise<string> {
    const until = Date.now() + ms;
    let last = '';
    while (Date.now() < until) {
      last = (await request(server.url, target, { headers })).text;
      await sleep(20);
    }
    return last;
  }

  test('a hot symlink re-pointed inside the root serves its new target within the TTL', async () => {
    const server = await startTestServer(root, mode, { options: { cacheTtl: String(TTL_MS) } });
    const link = path.join(root, `current-${mode}.txt`);
    fs.writeFileSync(path.join(root, `v1-${mode}.txt`), 'version one\n');
    fs.writeFileSync(path.join(root, `v2-${mode}.txt`), 'version two\n');
    try {
      fs.symlinkSync(`v1-${mode}.txt`, link);
      expect(await keepHot(server, `/current-${mode}.txt`, TTL_MS)).toBe('version one\n');
      fs.rmSync(link);
      fs.symlinkSync(`v2-${mode}.txt`, link);
      // Kept hot the whole time, so only a renewal (not an expiry) could keep the old answer.
      expect(await keepHot(server, `/current-${mode}.txt`, TTL_MS * 2 + 100)).toBe('version two\n');
    } finally {
      fs.rmSync(link, { force: true });
      await server.close();
    }
  });

  test('a hot clean-URL fallback gives way within the TTL to a real file created at its URL', async () => {
    const server = await startTestServer(root, mode, { options: { cacheTtl: String(TTL_MS), cleanUrls: true } });
    const page = path.join(root, `about-${mode}.html`);
    const real = path.join(root, `about-${mode}`);
    try {
      fs.writeFileSync(page, 'the html page\n');
      expect(await keepHot(server, `/about-${mode}`, TTL_MS)).toBe('the html page\n');
      fs.writeFileSync(real, 'the real file\n');
      expect(await keepHot(server, `/about-${mode}`, TTL_MS * 2 + 100)).toBe('the real file\n');
    } finally {
      fs.rmSync(page, { force: true });
      fs.rmSync(real, { force: true });
      await server.close();
    }
  });

  test('--no-cache sees every change at once', async () => {
    const server = await startTestServer(root, mode, { options: { cache: false } });
    const file = path.join(root, `uncached-${mode}.txt`);
    try {
      fs.writeFileSync(file, 'one\n');
      expect((await request(server.url, `/uncached-${mode}.txt`)).text).toBe('one\n');
      fs.writeFileSync(file, 'two\n');
      expect((await request(server.url, `/uncached-${mode}.txt`)).text).toBe('two\n');
      fs.rmSync(file);
      expect((await request(server.url, `/uncached-${mode}.txt`)).status).toBe(404);
    } finally {
      fs.rmSync(file, { force: true });
      await server.close();
    }
  });

  test('a remembered answer never stands in for one the request changes: validators, ranges, Host', async () => {
    const server = await startTestServer(root, mode);
    try {
      const plain = await request(server.url, '/hello.txt');
      await request(server.url, '/hello.txt'); // remembered now
      expect((await request(server.url, '/hello.txt', { headers: { 'If-None-Match': plain.headers.etag! } })).status).toBe(304);
      const partial = await request(server.url, '/hello.txt', { headers: { Range: 'bytes=0-4' } });
      expect(partial.status).toBe(206);
      expect(partial.text).toBe('hello');
      const br = await request(server.url, '/app.js', { headers: { 'Accept-Encoding': 'br' } });
      expect(br.headers['content-encoding']).toBe('br');
      expect((await request(server.url, '/app.js')).headers['content-encoding']).toBeUndefined();
      const twoHosts = await rawAnswer(server, 'GET /hello.txt HTTP/1.1\r\nHost: a.example\r\nHost: b.example');
      expect(twoHosts).toMatch(/^HTTP\/1\.1 400 /);
      const noHost = await rawAnswer(server, 'GET /hello.txt HTTP/1.1\r\nUser-Agent: x');
      expect(noHost).toMatch(/^HTTP\/1\.1 400 /);
      expect((await request(server.url, '/hello.txt', { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  test('rules that protect a path apply at once on reload, even to an answer remembered as public', async () => {
    const secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-hot-cache-rules-'));
    const rulesFile = path.join(secrets, 'rules.json');
    fs.writeFileSync(rulesFile, JSON.stringify([{ path: '/**', allow: ['*'] }]), { mode: 0o600 });
    const server = await startTestServer(root, mode, { options: { authRules: rulesFile } });
    try {
      for (let i = 0; i < 3; i++) expect((await request(server.url, '/private/secret.txt')).status).toBe(200);
      fs.writeFileSync(rulesFile, JSON.stringify([{ path: '/private/**', allow: ['role:admin'] }, { path: '/**', allow: ['*'] }]));
      server.reload();
      // No credentials scheme is configured, so the anonymous client is refused outright.
      expect((await request(server.url, '/private/secret.txt')).status).toBe(403);
      expect((await request(server.url, '/hello.txt')).status).toBe(200);
    } finally {
      await server.close();
      fs.rmSync(secrets, { recursive: true, force: true });
    }
  });
});
