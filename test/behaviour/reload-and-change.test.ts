// Life-cycle edges in both engines: reloads under load fail no request, and a file that shrinks
// or vanishes while it streams ends that response (short, connection closed) without harming the
// next one.

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { AuthFixtures, createFixturesWithAuth } from '../helpers/auth-fixtures';
import type { Fixtures } from '../helpers/fixtures';
import { request } from '../helpers/http-client';
import { MODES, startTestServer } from '../helpers/start-server';

let fixtures: Fixtures;
let auth: AuthFixtures;
beforeAll(async () => ({ fixtures, auth } = await createFixturesWithAuth()));
afterAll(() => fixtures.remove());

describe.each(MODES)('%s engine: life-cycle edges', (mode) => {
  test('twenty reloads while 8 clients keep fetching: not one request fails', async () => {
    const server = await startTestServer(fixtures.root, mode, { options: { authUsers: auth.usersFile, authRules: auth.rulesFile } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    try {
      let stop = false;
      const failures: string[] = [];
      let answered = 0;
      const targets: [string, number][] = [
        ['/hello.txt', 200],
        ['/big.bin', 200],
        ['/public/open.txt', 200],
        ['/private/secret.txt', 401],
      ];
      const clients = Array.from({ length: 8 }, async (_, client) => {
        for (let i = client; !stop; i++) {
          const [target, expected] = targets[i % targets.length];
          try {
            const res = await request(server.url, target, { agent });
            answered++;
            if (res.status !== expected) failures.push(`${target}: ${res.status}`);
          } catch (error) {
            failures.push(`${target}: ${(error as Error).message}`);
          }
        }
      });
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        server.reload();
      }
      stop = true;
      await Promise.all(clients);
      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(40);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  test('a file truncated mid-stream ends that response short and closed; the next request is right', async () => {
    const file = path.join(fixtures.root, `shrinking-${mode}.bin`);
    fs.writeFileSync(file, Buffer.alloc(8 * 1024 * 1024, 1));
    // Truncated, the file would be small enough to cache; its deletion at the end must show at once.
    const server = await startTestServer(fixtures.root, mode, { options: { cache: false } });
    try {
      const started = Date.now();
      const { received, declared } = await new Promise<{ received: number; declared: number }>((resolve, reject) => {
        const socket = net.connect(server.port, '127.0.0.1', () =>
          socket.write(`GET /shrinking-${mode}.bin HTTP/1.1\r\nHost: localhost\r\n\r\n`),
        );
        let head = '';
        let received = 0;
        let declared = -1;
        let truncated = false;
        socket.on('data', (chunk: Buffer) => {
          if (declared === -1) {
            head += chunk.toString('latin1');
            const end = head.indexOf('\r\n\r\n');
            if (end === -1) return;
            declared = Number(/content-length: (\d+)/i.exec(head)![1]);
            received += Buffer.byteLength(head.slice(end + 4), 'latin1');
          } else received += chunk.length;
          if (!truncated && received > 0) {
            truncated = true;
            fs.truncateSync(file, 1024);
          }
        });
        socket.on('error', reject);
        socket.on('close', () => resolve({ received, declared }));
        socket.setTimeout(10_000, () => socket.destroy(new Error('no close')));
      });
      expect(declared).toBe(8 * 1024 * 1024);
      expect(received).toBeLessThan(declared);
      // Closed at once, not left open (keep-alive would wait 5 s, and a pipelined answer could
      // then pass for the rest of this body).
      expect(Date.now() - started).toBeLessThan(4_000);
      // The file as it is now, exactly.
      const next = await request(server.url, `/shrinking-${mode}.bin`);
      expect(next.status).toBe(200);
      expect(next.body.length).toBe(1024);
      fs.rmSync(file);
      expect((await request(server.url, `/shrinking-${mode}.bin`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe.each(MODES)('%s engine: SIGHUP re-reads the config file', (mode) => {
  test('reloadable options change at once; restart-only ones are reported and kept; a broken file keeps it all', async () => {
    const file = path.join(fixtures.base, `reload-${mode}.json`);
    const write = (content: unknown) => fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    write({ cacheControl: 'no-cache', cors: 'https://app.example.com' });
    const server = await startTestServer(fixtures.root, mode, { options: { config: file } });
    try {
      const before = await request(server.url, '/hello.txt', { headers: { origin: 'https://app.example.com' } });
      expect(before.headers['cache-control']).toBe('no-cache');
      expect(before.headers['access-control-allow-origin']).toBe('https://app.example.com');

      write({ cacheControl: 'public, max-age=60', cors: '*', port: 1, listing: false });
      server.reload();
      const after = await request(server.url, '/hello.txt', { headers: { origin: 'https://app.example.com' } });
      expect(after.headers['cache-control']).toBe('public, max-age=60');
      expect(after.headers['access-control-allow-origin']).toBe('*');
      // Still listening where it was, listings still on: those take a restart, and it says so.
      expect((await request(server.url, '/docs/')).status).toBe(200);
      // (The file's port loses to the test's --port flag, as precedence says, so only --listing changed.)
      expect(server.stderr.some((line) => line.includes('reload: --listing changed; that takes a restart'))).toBe(true);

      write('{ "cacheControl": "no-store", ');
      expect(() => server.reload()).toThrow(/is not valid JSON/);
      expect((await request(server.url, '/hello.txt')).headers['cache-control']).toBe('public, max-age=60');
    } finally {
      await server.close();
    }
  });
});
