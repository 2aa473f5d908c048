// Slow and oversized clients in both engines: a request head dribbled in one byte at a time is
// cut within --header-timeout (bounded: three connections, seconds), --max-header-size gives 431,
// an idle keep-alive connection closes after --keep-alive-timeout.

import net from 'node:net';
import { createFixtures, Fixtures } from '../helpers/fixtures';
import { parseResponses, rawExchange } from '../helpers/http-client';
import { MODES, startTestServer } from '../helpers/start-server';

let fixtures: Fixtures;
beforeAll(() => (fixtures = createFixtures()));
afterAll(() => fixtures.remove());

/** Sends `head` a byte every `intervalMs`; resolves with what the server said and when it closed. */
function dribble(port: number, head: string, intervalMs: number): Promise<{ reply: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < head.length && socket.writable) socket.write(head[sent++]);
    }, intervalMs);
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ reply, closedAfterMs: Date.now() - started });
    });
  });
}

describe.each(MODES)('%s engine: slow and oversized clients', (mode) => {
  test('a head sent a byte at a time is cut within --header-timeout, and others are still served', async () => {
    const server = await startTestServer(fixtures.root, mode, { options: { headerTimeout: '2' } });
    try {
      const head = 'GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: ' + 'a'.repeat(200) + '\r\n\r\n';
      const slow = [dribble(server.port, head, 200), dribble(server.port, head, 200), dribble(server.port, head, 200)];
      const { data } = await rawExchange(server.port, 'GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      expect(parseResponses(data)[0].status).toBe(200);
      for (const result of await Promise.all(slow)) {
        // 2 s, checked every second by Node; room for a loaded CI machine.
        expect(result.closedAfterMs).toBeLessThan(6_500);
        expect(result.reply === '' || result.reply.startsWith('HTTP/1.1 408 ')).toBe(true);
      }
    } finally {
      await server.close();
    }
  }, 15_000);

  test('--max-header-size: a larger head gets 431', async () => {
    const server = await startTestServer(fixtures.root, mode, { options: { maxHeaderSize: '2048' } });
    try {
      const { data } = await rawExchange(server.port, `GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'b'.repeat(4000)}\r\n\r\n`);
      expect(parseResponses(data)[0].status).toBe(431);
      const { data: fits } = await rawExchange(server.port, `GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'b'.repeat(1000)}\r\nConnection: close\r\n\r\n`);
      expect(parseResponses(fits)[0].status).toBe(200);
    } finally {
      await server.close();
    }
  });

  test('an idle keep-alive connection closes after --keep-alive-timeout', async () => {
    const server = await startTestServer(fixtures.root, mode, { options: { keepAliveTimeout: '1' } });
    try {
      const started = Date.now();
      const { data, closedByServer } = await rawExchange(server.port, 'GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n', 6_000);
      expect(parseResponses(data)[0].status).toBe(200);
      expect(closedByServer).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await server.close();
    }
  });
});
