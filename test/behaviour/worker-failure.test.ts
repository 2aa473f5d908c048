// Threaded engine: a worker that throws or dies fails only its own request (503); the pool
// replaces it and the next requests are served. Also the limits: a hung task (--worker-timeout), a full
// queue (--max-queue) and, in both engines, the connection cap (--max-connections).

import fs from 'node:fs';
import path from 'node:path';
import { findWorkerFilename } from '../../src/engine/threaded-engine';
import { createFixtures, Fixtures } from '../helpers/fixtures';
import { request } from '../helpers/http-client';
import { MODES, startTestServer, TestServer } from '../helpers/start-server';

let fixtures: Fixtures;
let server: TestServer;

beforeAll(async () => {
  fixtures = createFixtures();
  // A wrapper around the real worker that misbehaves on two magic names.
  const wrapper = path.join(fixtures.base, 'faulty-worker.js');
  fs.writeFileSync(
    wrapper,
    `const real = require(${JSON.stringify(findWorkerFilename())}).default;
     module.exports = async function (request) {
       const name = request.segments[request.segments.length - 1];
       if (name === 'throw.txt') throw new Error('worker exploded at /secret/path');
       if (name === 'die.txt') process.exit(3);
       return real(request);
     };`,
  );
  server = await startTestServer(fixtures.root, 'threaded', { workerFilename: wrapper });
});
afterAll(async () => {
  await server.close();
  fixtures.remove();
});

describe('worker failure (threaded engine)', () => {
  test('a worker that throws fails only its request with a 503 that leaks nothing', async () => {
    const res = await request(server.url, '/throw.txt');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.text).toMatch(/^Service Unavailable: worker failed \(error id [0-9a-f]{8}\)\n$/);
    expect(res.text).not.toContain('exploded');
    expect((await request(server.url, '/hello.txt')).status).toBe(200);
  });

  test('a worker that dies fails only its request, and the pool keeps serving', async () => {
    const [dead, ...others] = await Promise.all([
      request(server.url, '/die.txt'),
      ...Array.from({ length: 6 }, () => request(server.url, '/hello.txt')),
    ]);
    expect(dead.status).toBe(503);
    for (const res of others) expect(res.status).toBe(200);
    // After the pool replaced the worker, everything is served again.
    for (let i = 0; i < 10; i++) {
      const res = await request(server.url, '/big.bin');
      expect(res.status).toBe(200);
      expect(res.body.equals(fixtures.bigBytes)).toBe(true);
    }
  });

  test('the failure is logged at error with its id and private cause', async () => {
    await request(server.url, '/throw.txt');
    const line = server.stderr.find((l) => l.includes('TH_ERR_WORKER_FAILED'));
    expect(line).toBeDefined();
    expect(line).toContain('exploded');
  });
});

describe('hung workers', () => {
  test('a task past --worker-timeout gets a 503, its worker is replaced, and serving goes on', async () => {
    const hanging = path.join(fixtures.base, 'hanging-worker.js');
    fs.writeFileSync(
      hanging,
      `const real = require(${JSON.stringify(findWorkerFilename())}).default;
       module.exports = async function (request) {
         if (request.segments[request.segments.length - 1] === 'hang.txt') for (;;) {}
         return real(request);
       };`,
    );
    fs.writeFileSync(path.join(fixtures.root, 'hang.txt'), 'never\n');
    const server = await startTestServer(fixtures.root, 'threaded', { workerFilename: hanging, options: { threads: '1', workerTimeout: '1', adminPort: '0' } });
    try {
      const started = Date.now();
      const hung = await request(server.url, '/hang.txt');
      expect(hung.status).toBe(503);
      expect(hung.headers['retry-after']).toBe('1');
      expect(Date.now() - started).toBeLessThan(8_000);
      // The only worker was stuck in a loop: a new one answers now.
      expect((await request(server.url, '/hello.txt')).status).toBe(200);
      const metrics = (await request(server.adminUrl!, '/metrics')).text;
      expect(metrics).toMatch(/^tinyhttp_worker_restarts_total [1-9]/m);
    } finally {
      await server.close();
    }
  }, 20_000);
});

describe('limits', () => {
  test('past --max-queue, file tasks are refused at once with 503 and Retry-After, and serving goes on', async () => {
    const slow = path.join(fixtures.base, 'slow-worker.js');
    fs.writeFileSync(
      slow,
      `const real = require(${JSON.stringify(findWorkerFilename())}).default;
       module.exports = async function (request) {
         await new Promise((resolve) => setTimeout(resolve, 300));
         return real(request);
       };`,
    );
    // No cache: it would turn twelve lookups of one file into one pool task.
    const busy = await startTestServer(fixtures.root, 'threaded', { workerFilename: slow, options: { threads: '1', maxQueue: '2', cache: false } });
    try {
      const answers = await Promise.all(Array.from({ length: 12 }, () => request(busy.url, '/hello.txt')));
      const refused = answers.filter((res) => res.status === 503);
      expect(answers.filter((res) => res.status === 200).length).toBeGreaterThanOrEqual(3);
      expect(refused.length).toBeGreaterThanOrEqual(6);
      for (const res of refused) {
        expect(res.headers['retry-after']).toBe('1');
        expect(res.text).toBe('Service Unavailable: server busy\n');
      }
      // Load shedding is not an error to investigate: no error lines.
      expect(busy.stderr.filter((line) => line.includes('request failed'))).toEqual([]);
      expect((await request(busy.url, '/hello.txt')).status).toBe(200);
    } finally {
      await busy.close();
    }
  });

  test.each(MODES)('%s: past --max-connections, further connections are closed at once', async (mode) => {
    const capped = await startTestServer(fixtures.root, mode, { options: { maxConnections: '2' } });
    const net = await import('node:net');
    const open = () =>
      new Promise<import('node:net').Socket>((resolve) => {
        const socket = net.connect(capped.port, '127.0.0.1', () => resolve(socket));
      });
    try {
      const first = await open();
      const second = await open();
      const third = await open();
      const closed = await new Promise<boolean>((resolve) => {
        third.once('close', () => resolve(true));
        setTimeout(() => resolve(false), 2_000);
      });
      expect(closed).toBe(true);
      first.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await request(capped.url, '/hello.txt')).status).toBe(200);
      second.destroy();
    } finally {
      await capped.close();
    }
  });
});
