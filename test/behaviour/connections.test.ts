// Connection-level behaviour found by trying to break the server: stalled readers, request
// bodies, half-closed clients, expectations, HTTP versions, and what the log says about them.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createFixtures, Fixtures } from '../helpers/fixtures';
import { parseResponses, rawExchange, request } from '../helpers/http-client';
import { MODES, startTestServer, TestServer } from '../helpers/start-server';

let fixtures: Fixtures;
beforeAll(() => {
  fixtures = createFixtures();
  // Big enough that socket buffers cannot absorb it: the server must wait on the client.
  fs.writeFileSync(path.join(fixtures.root, 'huge.bin'), Buffer.alloc(64 * 1024 * 1024, 1));
  fs.writeFileSync(path.join(fixtures.root, 'docs', 'bell\u0007name.txt'), 'unreachable name\n');
});
afterAll(() => fixtures.remove());

describe.each(MODES)('connections (%s engine)', (mode) => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(fixtures.root, mode, { options: { sendTimeout: '1', quiet: false } })));
  afterAll(() => server.close());

  test('a client that stops reading a large body is disconnected after --send-timeout', async () => {
    const received = await new Promise<number>((resolve) => {
      let bytes = 0;
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
      // Read the first chunk, then nothing for 3 s (three send timeouts), then drain what is left.
      socket.once('data', () => {
        socket.pause();
        setTimeout(() => socket.resume(), 3000);
      });
      socket.on('close', () => resolve(bytes));
      socket.on('error', () => undefined);
    });
    // The server gave up on the stalled connection: the 64 MiB body was cut short.
    expect(received).toBeLessThan(64 * 1024 * 1024);
  });

  test('a GET that sends a body gets its answer and a closed connection, never a second answer', async () => {
    const { data, closedByServer } = await rawExchange(
      server.port,
      'GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\npartial body',
      4000,
    );
    const text = data.toString('latin1');
    expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    const [res] = parseResponses(data);
    expect(res.status).toBe(200);
    expect(res.headers.connection).toBe('close');
    expect(closedByServer).toBe(true);
  });

  test('a client that half-closes after its request still gets the answer', async () => {
    const data = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(server.port, '127.0.0.1', () => socket.end('GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('close', () => resolve(Buffer.concat(chunks)));
    });
    const [res] = parseResponses(data);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('hello world\n');
  });

  test('Expect: 100-continue gets the final answer without a 100', async () => {
    const { data } = await rawExchange(
      server.port,
      'GET /hello.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n',
    );
    expect(data.toString('latin1')).toMatch(/^HTTP\/1\.1 200 /);
  });

  test('an unknown expectation is a 417 that still gets its access line', async () => {
    const before = server.stdout.length;
    const { data } = await rawExchange(server.port, 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nConnection: close\r\n\r\n');
    expect(parseResponses(data)[0].status).toBe(417);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.stdout.slice(before).join('\n')).toMatch(/"GET \/hello\.txt HTTP\/1\.1" 417 /);
  });

  test.each([
    ['HTTP/2.0 in text form', 505, 'GET /hello.txt HTTP/2.0\r\nConnection: close\r\n\r\n'],
    ['duplicate Host on HTTP/1.0', 400, 'GET /hello.txt HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n'],
  ])('%s is refused with %d', async (_name, status, payload) => {
    const { data } = await rawExchange(server.port, payload);
    expect(parseResponses(data)[0].status).toBe(status);
  });

  test('a client that leaves before any answer is logged as 499 with its address', async () => {
    const before = server.stdout.length;
    // The second, pipelined request is still queued behind the first when the client leaves.
    await new Promise<void>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write('GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /docs/ HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const line = server.stdout.slice(before).find((l) => l.includes('"GET /docs/ '));
    expect(line).toMatch(/^127\.0\.0\.1 - - .*"GET \/docs\/ HTTP\/1\.1" 499 0 /);
  });

  test('a request that closes the connection mid-pipeline still gets the answers before it', async () => {
    const { data } = await rawExchange(
      server.port,
      'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /data.json HTTP/1.0\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    const responses = parseResponses(data);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(responses[1].body.toString()).toBe('{"ok":true}\n');
  });

  test('garbage pipelined after a valid request is answered after that request, never inside it', async () => {
    const { data } = await rawExchange(server.port, 'GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n');
    const responses = parseResponses(data);
    expect(responses.map((r) => r.status)).toEqual([200, 400]);
    expect(responses[0].body.equals(fixtures.bigBytes)).toBe(true);
  });

  test('CONNECT pipelined behind a download never lands inside its body: the connection closes', async () => {
    const data = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      let sentConnect = false;
      let received = 0;
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (!sentConnect && received > 200_000) {
          sentConnect = true;
          socket.write('CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n');
        }
      });
      socket.on('close', () => resolve(Buffer.concat(chunks)));
    });
    const text = data.toString('latin1');
    expect(text.startsWith('HTTP/1.1 200 OK')).toBe(true);
    expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(text).not.toContain('Method Not Allowed');
  });

  test('a client that resets right after its request is still logged with its address', async () => {
    const before = server.stdout.length;
    await new Promise<void>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write('GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n', () => {
          socket.resetAndDestroy();
          resolve();
        });
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const line = server.stdout.slice(before).find((l) => l.includes('/nothing-here'));
    expect(line).toMatch(/^127\.0\.0\.1 - - /);
  });

  test('a listing leaves out names that no request could fetch', async () => {
    const res = await request(server.url, '/docs/', { headers: { Accept: 'application/json' } });
    const names = (JSON.parse(res.text) as { entries: { name: string }[] }).entries.map((e) => e.name);
    expect(names).toContain('readme.txt');
    expect(names.some((name) => name.includes('bell'))).toBe(false);
  });
});

describe.each(MODES)('JSON log hygiene (%s engine)', (mode) => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(fixtures.root, mode, { options: { quiet: false, logFormat: 'json', debug: true } })));
  afterAll(() => server.close());

  test('C1 control characters in request fields are written as visible escapes', async () => {
    await rawExchange(server.port, Buffer.from('GET /hello.txt HTTP/1.1\r\nHost: x\r\nUser-Agent: a\xc2\x9b31mZ\r\nConnection: close\r\n\r\n', 'latin1'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const all = server.stdout.join('\n');
    expect(all).toContain('\\\\u009b31mZ');
    expect(all).not.toMatch(/[\u0080-\u009f]/);
  });
});
