// Access and debug logging through winston, both engines: one line per request, formats,
// --quiet, and SECURITY: credentials and cookies never reach a log line, even under --debug.

import http from 'node:http';
import { createFixtures, Fixtures } from '../helpers/fixtures';
import { rawExchange, request } from '../helpers/http-client';
import { MODES, startTestServer, TestServer } from '../helpers/start-server';

let fixtures: Fixtures;
beforeAll(() => (fixtures = createFixtures()));
afterAll(() => fixtures.remove());

const SECRET_TOKEN = 'Bearer sk-do-not-log-4f9a2c';
const SECRET_COOKIE = 'session=do-not-log-7b1e';

/** The access log is written on the response's 'close'; give it a moment to land. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe.each(MODES)('logging (%s engine)', (mode) => {
  describe('combined format (default)', () => {
    let server: TestServer;
    beforeAll(async () => (server = await startTestServer(fixtures.root, mode, { options: { quiet: false } })));
    afterAll(() => server.close());

    test('writes one combined-log-format line per request with duration and engine', async () => {
      const before = server.stdout.length;
      await request(server.url, '/hello.txt?x=1', { headers: { 'User-Agent': 'jest-agent', Referer: 'http://ref.test/' } });
      await settle();
      const lines = server.stdout.slice(before);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          String.raw`^127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] ` +
            String.raw`"GET /hello\.txt\?x=1 HTTP/1\.1" 200 12 "http://ref\.test/" "jest-agent" \d+\.\dms ${mode}$`,
        ),
      );
    });

    test('logs errors with their status and body size', async () => {
      const before = server.stdout.length;
      await request(server.url, '/missing');
      await settle();
      expect(server.stdout.slice(before).join('\n')).toMatch(/"GET \/missing HTTP\/1\.1" 404 10 /);
    });

    test('escapes quotes and control bytes so a request is always one line', async () => {
      const before = server.stdout.length;
      await rawExchange(server.port, 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nUser-Agent: evil"\t agent\r\nConnection: close\r\n\r\n');
      await settle();
      const lines = server.stdout.slice(before);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('"evil\\x22\\x09 agent"');
    });

    test('a request the HTTP parser refuses still gets its access line', async () => {
      const before = server.stdout.length;
      await rawExchange(server.port, 'GARBAGE\r\n\r\n');
      await settle();
      const lines = server.stdout.slice(before);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^127\\.0\\.0\\.1 - - \\[.+\\] "-" 400 12 "-" "-" 0\\.0ms ${mode}$`));
    });

    test('a response cut short still logs the client address', async () => {
      const before = server.stdout.length;
      const { hostname, port } = new URL(server.url);
      await new Promise<void>((resolve) => {
        const req = http.get({ host: hostname, port, path: '/big.bin', agent: false }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => resolve());
      });
      await settle();
      const line = server.stdout.slice(before).find((l) => l.includes('/big.bin'));
      expect(line).toMatch(/^127\.0\.0\.1 - - .*"GET \/big\.bin HTTP\/1\.1" 200 \d+ /);
    });

    test('Authorization and Cookie never appear in the access log', async () => {
      await request(server.url, '/hello.txt', { headers: { Authorization: SECRET_TOKEN, Cookie: SECRET_COOKIE } });
      await settle();
      const all = [...server.stdout, ...server.stderr].join('\n');
      expect(all).not.toContain('sk-do-not-log');
      expect(all).not.toContain('do-not-log-7b1e');
    });
  });

  describe('JSON format', () => {
    let server: TestServer;
    beforeAll(async () => (server = await startTestServer(fixtures.root, mode, { options: { quiet: false, logFormat: 'json' } })));
    afterAll(() => server.close());

    test('writes one JSON object per request', async () => {
      const before = server.stdout.length;
      await request(server.url, '/big.bin', { headers: { Range: 'bytes=0-99' } });
      await settle();
      const lines = server.stdout.slice(before);
      expect(lines).toHaveLength(1);
      const entry = JSON.parse(lines[0]);
      expect(entry).toMatchObject({ method: 'GET', target: '/big.bin', status: 206, bytes: 100, engine: mode, level: 'info' });
      expect(typeof entry.durationMs).toBe('number');
      expect(Date.parse(entry.timestamp)).not.toBeNaN();
    });
  });

  describe('--quiet', () => {
    let server: TestServer;
    beforeAll(async () => (server = await startTestServer(fixtures.root, mode, { options: { quiet: true } })));
    afterAll(() => server.close());

    test('logs nothing per request', async () => {
      await request(server.url, '/hello.txt');
      await request(server.url, '/missing');
      await settle();
      expect(server.stdout).toEqual([]);
      expect(server.stderr).toEqual([]);
    });
  });

  describe('--debug', () => {
    let server: TestServer;
    beforeAll(async () => (server = await startTestServer(fixtures.root, mode, { options: { quiet: false, debug: true } })));
    afterAll(() => server.close());

    test('logs request and response headers with credentials and cookies redacted', async () => {
      const before = server.stdout.length;
      await request(server.url, '/hello.txt', {
        headers: {
          Authorization: SECRET_TOKEN,
          Cookie: SECRET_COOKIE,
          'Proxy-Authorization': 'Basic c2VjcmV0',
          'X-Api-Key': 'apikey-do-not-log',
          'X-Trace': 'visible-123',
        },
      });
      await settle();
      const lines = server.stdout.slice(before).join('\n');
      expect(lines).toContain('visible-123');
      expect(lines).toContain('"authorization":"[redacted]"');
      expect(lines).toContain('"cookie":"[redacted]"');
      expect(lines).toContain('"etag"');
      const all = [...server.stdout, ...server.stderr].join('\n');
      expect(all).not.toContain('sk-do-not-log');
      expect(all).not.toContain('do-not-log-7b1e');
      expect(all).not.toContain('c2VjcmV0');
      expect(all).not.toContain('apikey-do-not-log');
    });
  });
});
