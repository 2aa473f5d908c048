// Core HTTP semantics over real sockets, identical in both engines.

import fs from 'node:fs';
import path from 'node:path';
import { createFixtures, Fixtures } from '../helpers/fixtures';
import { parseResponses, rawExchange, request } from '../helpers/http-client';
import { MODES, startTestServer, TestServer } from '../helpers/start-server';

let fixtures: Fixtures;
beforeAll(() => (fixtures = createFixtures()));
afterAll(() => fixtures.remove());

describe.each(MODES)('serving (%s engine)', (mode) => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(fixtures.root, mode)));
  afterAll(() => server.close());

  describe('GET of a file', () => {
    test('returns the bytes with Content-Type, Content-Length, Date, Last-Modified, ETag and Accept-Ranges', async () => {
      const res = await request(server.url, '/hello.txt');
      const stats = fs.statSync(path.join(fixtures.root, 'hello.txt'));
      expect(res.status).toBe(200);
      expect(res.text).toBe('hello world\n');
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.headers['content-length']).toBe('12');
      expect(Date.parse(res.headers.date!)).not.toBeNaN();
      expect(res.headers['last-modified']).toBe(stats.mtime.toUTCString());
      expect(res.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      expect(res.headers['accept-ranges']).toBe('bytes');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    test.each([
      ['/data.json', 'application/json; charset=utf-8'],
      ['/style.css', 'text/css; charset=utf-8'],
      ['/blob.zzqx', 'application/octet-stream'],
      ['/noextension', 'application/octet-stream'],
      ['/site/index.html', 'text/html; charset=utf-8'],
    ])('serves %s as %s', async (target, type) => {
      const res = await request(server.url, target);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(type);
    });

    test('streams a file larger than the small-file threshold byte for byte', async () => {
      const res = await request(server.url, '/big.bin');
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe(String(fixtures.bigBytes.length));
      expect(res.body.equals(fixtures.bigBytes)).toBe(true);
    });

    test('serves an empty file with Content-Length 0', async () => {
      const res = await request(server.url, '/empty.txt');
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe('0');
      expect(res.body.length).toBe(0);
    });

    test('decodes percent-encoded names once', async () => {
      expect((await request(server.url, '/some%20thing.txt')).text).toBe('space in name\n');
      expect((await request(server.url, '/caf%C3%A9.txt')).text).toBe('utf-8 name\n');
      expect((await request(server.url, '/do..ts.txt')).text).toBe('dots inside a name\n');
    });

    test('follows a symlink that stays inside the root', async () => {
      expect((await request(server.url, '/link-inside.txt')).text).toBe('hello world\n');
      expect((await request(server.url, '/link-dir-inside/readme.txt')).text).toBe('docs readme\n');
    });

    test('answers 404 for a missing file and for a file named with a trailing slash', async () => {
      expect((await request(server.url, '/nope.txt')).status).toBe(404);
      expect((await request(server.url, '/hello.txt/')).status).toBe(404);
    });
  });

  describe('HEAD', () => {
    test('sends the same headers as GET and no body', async () => {
      const get = await request(server.url, '/big.bin');
      const head = await request(server.url, '/big.bin', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      for (const name of ['content-type', 'content-length', 'etag', 'last-modified', 'accept-ranges']) {
        expect(head.headers[name]).toBe(get.headers[name]);
      }
    });

    test('on a raw socket, the HEAD response carries no body bytes', async () => {
      const { data } = await rawExchange(
        server.port,
        'HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      );
      const [head, get] = parseResponses(data, [true, false]);
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe('12');
      expect(get.body.toString()).toBe('hello world\n');
    });
  });

  describe('methods', () => {
    test.each(['POST', 'PUT', 'DELETE', 'PATCH'])('%s answers 405 with Allow', async (method) => {
      const res = await request(server.url, '/hello.txt', { method });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    });

    test('OPTIONS answers 204 with Allow', async () => {
      const res = await request(server.url, '/hello.txt', { method: 'OPTIONS' });
      expect(res.status).toBe(204);
      expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
      expect(res.body.length).toBe(0);
    });

    test('OPTIONS * answers 204; GET * is a 400', async () => {
      const { data } = await rawExchange(server.port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nGET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const [options, get] = parseResponses(data);
      expect(options.status).toBe(204);
      expect(get.status).toBe(400);
    });

    test('CONNECT answers 405 instead of dropping the connection', async () => {
      const { data } = await rawExchange(server.port, 'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n');
      expect(data.toString('latin1')).toMatch(/^HTTP\/1\.1 405 /);
    });
  });

  describe('directories', () => {
    test('serves index.html for dir/', async () => {
      const res = await request(server.url, '/site/');
      expect(res.status).toBe(200);
      expect(res.text).toContain('<title>site</title>');
    });

    test('redirects dir to dir/ with 301, keeping the query string', async () => {
      const res = await request(server.url, '/site?x=1&y=%20');
      expect(res.status).toBe(301);
      expect(res.headers.location).toBe('/site/?x=1&y=%20');
    });

    test('the redirect Location never points at another host', async () => {
      for (const target of ['//site', '//evil.example/../site', '/%2F%2Fsite', '///site']) {
        const res = await request(server.url, target);
        expect(res.status).toBe(301);
        expect(res.headers.location).toBe('/site/');
      }
    });

    test('the redirect Location is percent-encoded', async () => {
      fs.mkdirSync(path.join(fixtures.root, 'a dir'), { recursive: true });
      const res = await request(server.url, '/a%20dir');
      expect(res.headers.location).toBe('/a%20dir/');
    });

    test('lists a directory without index.html: dirs first, names escaped, links encoded, hidden left out', async () => {
      const res = await request(server.url, '/');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      const html = res.text;
      expect(html).toContain('href="weird%3C%26%3E%22&#39;.txt"');
      expect(html).toContain('weird&lt;&amp;&gt;&quot;&#39;.txt');
      expect(html).not.toContain('weird<&>');
      expect(html).toContain('href="some%20thing.txt"');
      expect(html).not.toContain('.hidden.txt');
      expect(html).not.toContain('.well-known');
      expect(html).not.toContain('link-outside');
      expect(html).not.toContain('link-dir-outside');
      expect(html).not.toContain('link-sibling');
      expect(html).not.toContain('link-to-hidden');
      expect(html).not.toContain('dangling');
      expect(html).not.toContain('>fifo<');
      expect(html.indexOf('docs/')).toBeLessThan(html.indexOf('hello.txt'));
      expect(html.indexOf('site/')).toBeLessThan(html.indexOf('big.bin'));
    });

    test('lists as JSON when the client asks for application/json', async () => {
      const res = await request(server.url, '/docs/', { headers: { Accept: 'application/json' } });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const listing = JSON.parse(res.text);
      expect(listing.path).toBe('/docs/');
      expect(listing.entries.map((e: { name: string }) => e.name)).toEqual(['sub', 'inside-target.txt', 'readme.txt']);
      expect(listing.entries[0]).toMatchObject({ type: 'directory' });
      expect(listing.entries[2]).toMatchObject({ type: 'file', size: 12 });
      expect(Date.parse(listing.entries[2].modified)).not.toBeNaN();
    });

    test('a browser Accept header gets HTML', async () => {
      const res = await request(server.url, '/docs/', {
        headers: { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
      });
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    });
  });

  describe('connections', () => {
    test('HTTP/1.0 without Host is served and the connection closed', async () => {
      const { data, closedByServer } = await rawExchange(server.port, 'GET /hello.txt HTTP/1.0\r\n\r\n');
      const [res] = parseResponses(data);
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe('hello world\n');
      expect(closedByServer).toBe(true);
    });

    test('keep-alive serves several requests on one connection', async () => {
      const http = await import('node:http');
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const sockets = new Set<unknown>();
      agent.on('free', (socket) => sockets.add(socket));
      for (let i = 0; i < 3; i++) expect((await request(server.url, '/hello.txt', { agent })).status).toBe(200);
      agent.destroy();
      expect(sockets.size).toBe(1);
    });

    test('pipelined requests are answered in order', async () => {
      const { data } = await rawExchange(
        server.port,
        'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n' +
          'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n' +
          'GET /data.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      );
      const responses = parseResponses(data);
      expect(responses.map((r) => r.status)).toEqual([200, 404, 200]);
      expect(responses[0].body.toString()).toBe('hello world\n');
      expect(responses[2].body.toString()).toBe('{"ok":true}\n');
    });
  });

  describe('malformed requests', () => {
    test.each([
      ['missing Host on HTTP/1.1', 'GET /hello.txt HTTP/1.1\r\nConnection: close\r\n\r\n'],
      ['duplicate Host', 'GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n'],
      ['malformed Host', 'GET /hello.txt HTTP/1.1\r\nHost: a b/c\r\nConnection: close\r\n\r\n'],
      ['empty Host', 'GET /hello.txt HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n'],
    ])('%s is a 400', async (_name, payload) => {
      const [res] = parseResponses((await rawExchange(server.port, payload)).data);
      expect(res.status).toBe(400);
    });

    test.each([
      ['a garbage request line', 400, 'HELLO\r\n\r\n'],
      ['an unknown method token', 400, 'FROB /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['Content-Length with Transfer-Encoding', 400, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
      ['a space inside a header name', 400, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n'],
      ['oversized headers', 431, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ])('%s gets %i with a Date header and a closed connection', async (_name, status, payload) => {
      const { data, closedByServer } = await rawExchange(server.port, payload);
      const text = data.toString('latin1');
      expect(text).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(text).toMatch(/\r\nDate: [A-Z][a-z]{2}, /);
      expect(closedByServer).toBe(true);
    });

    test('a request-target longer than 8 KiB is a 414', async () => {
      const res = await request(server.url, '/' + 'a'.repeat(9000));
      expect(res.status).toBe(414);
    });

    test('error bodies are the reason phrase and carry no path', async () => {
      const res = await request(server.url, '/missing/file.txt');
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.text).toBe('Not Found\n');
      expect(res.text).not.toContain(fixtures.root);
    });
  });
});

describe.each(MODES)('listing disabled (%s engine)', (mode) => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(fixtures.root, mode, { options: { listing: false } })));
  afterAll(() => server.close());

  test('a directory without index.html is a 404', async () => {
    expect((await request(server.url, '/docs/')).status).toBe(404);
  });

  test('a directory with index.html is still served', async () => {
    expect((await request(server.url, '/site/')).status).toBe(200);
  });
});
