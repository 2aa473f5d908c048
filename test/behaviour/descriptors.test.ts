// Descriptors handed from the resolve core to the pipeline are closed on every path: HEAD, 304,
// 412, 416, multipart, errors and clients that leave mid-body. The server runs in this process,
// so /proc/self/fd counts its descriptors.

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { createFixtures, Fixtures } from '../helpers/fixtures';
import { rawExchange, request } from '../helpers/http-client';
import { MODES, startTestServer, TestServer } from '../helpers/start-server';

const countDescriptors = () => fs.readdirSync('/proc/self/fd').length;
const describeOnLinux = fs.existsSync('/proc/self/fd') ? describe : describe.skip;

let fixtures: Fixtures;
beforeAll(() => (fixtures = createFixtures()));
afterAll(() => fixtures.remove());

/** Starts a download of the big file and drops the connection after the first chunk. */
function abortMidBody(url: string, headers: Record<string, string> = {}): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const req = http.get({ host: hostname, port, path: '/big.bin', headers, agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => resolve());
  });
}

/** Connects, sends a request for the big file and closes before any answer is read. */
function abortBeforeAnswer(port: number, range?: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end(`GET /big.bin HTTP/1.1\r\nHost: x\r\n${range ? `Range: ${range}\r\n` : ''}\r\n`);
      socket.destroy();
      resolve();
    });
    socket.on('error', () => resolve());
  });
}

describeOnLinux.each(MODES)('descriptor hygiene (%s engine)', (mode) => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(fixtures.root, mode)));
  afterAll(() => server.close());

  test('no descriptor outlives its request, whatever the outcome', async () => {
    // Warm up: pool threads, sockets and lazy modules open their descriptors once.
    await request(server.url, '/big.bin');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = countDescriptors();

    const etag = (await request(server.url, '/big.bin', { method: 'HEAD' })).headers.etag!;
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        request(server.url, '/big.bin', { method: 'HEAD' }),
        request(server.url, '/big.bin', { headers: { 'If-None-Match': etag } }),
        request(server.url, '/big.bin', { headers: { 'If-Match': '"nope"' } }),
        request(server.url, '/big.bin', { headers: { Range: 'bytes=99999999-' } }),
        request(server.url, '/big.bin', { headers: { Range: 'bytes=0-10,100-200,5000-' } }),
        request(server.url, '/big.bin', { headers: { Range: 'bytes=10-20' } }),
        abortMidBody(server.url),
        abortMidBody(server.url, { Range: 'bytes=0-10,100-200,5000-' }),
        abortBeforeAnswer(server.port),
        abortBeforeAnswer(server.port, 'bytes=0-10,100-200,5000-'),
      ]);
    }
    // Let aborted streams notice and close.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(countDescriptors()).toBeLessThanOrEqual(before);
  });
});

describeOnLinux.each(MODES)('pipelined requests and abandoned connections (%s engine)', (mode) => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(fixtures.root, mode)));
  afterAll(() => server.close());

  /** Pipelines `count` requests for the big file, reads the first bytes, then drops the connection. */
  function pipelineAndLeave(count: number, range?: string): Promise<void> {
    return new Promise((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write(`GET /big.bin HTTP/1.1\r\nHost: x\r\n${range ? `Range: ${range}\r\n` : ''}\r\n`.repeat(count));
      });
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
  }

  test('a connection that queues more than 32 requests behind an unfinished response is closed', async () => {
    const { data, closedByServer } = await rawExchange(server.port, 'GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(100), 5000);
    expect(closedByServer).toBe(true);
    const answered = data.toString('latin1').match(/HTTP\/1\.1 200 OK/g) ?? [];
    expect(answered.length).toBeLessThan(100);
  });

  test('requests queued behind a response hold no descriptor when the client leaves', async () => {
    await request(server.url, '/big.bin');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = countDescriptors();
    await Promise.all([
      ...Array.from({ length: 10 }, () => pipelineAndLeave(3)),
      ...Array.from({ length: 5 }, () => pipelineAndLeave(3, 'bytes=0-10,100-200,5000-')),
      pipelineAndLeave(300),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(countDescriptors()).toBeLessThanOrEqual(before);
  });
});
