// Threaded engine: a worker that throws or dies fails only its own request (503); the pool
// replaces it and the next requests are served.

import fs from 'node:fs';
import path from 'node:path';
import { findWorkerFilename } from '../../src/engine/threaded-engine';
import { createFixtures, Fixtures } from '../helpers/fixtures';
import { request } from '../helpers/http-client';
import { startTestServer, TestServer } from '../helpers/start-server';

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
