// --admin-port in both engines: /healthz, /readyz (503 while shutting down), /metrics moving as
// requests are made, and none of it on the public port.

import http from 'node:http';
import type { Fixtures } from '../helpers/fixtures';
import { request } from '../helpers/http-client';
import { MODES, startTestServer } from '../helpers/start-server';
import { AuthFixtures, basic, createFixturesWithAuth } from '../helpers/auth-fixtures';

let fixtures: Fixtures;
let auth: AuthFixtures;
beforeAll(async () => ({ fixtures, auth } = await createFixturesWithAuth()));
afterAll(() => fixtures.remove());

/** The value of one sample line (`name{labels} value`) in Prometheus text, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(series + ' '));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe.each(MODES)('%s engine: admin port', (mode) => {
  test('health, readiness and metrics that move with traffic', async () => {
    const server = await startTestServer(fixtures.root, mode, { options: { adminPort: '0', authUsers: auth.usersFile, authRules: auth.rulesFile } });
    try {
      expect(new URL(server.adminUrl!).hostname).toBe('127.0.0.1');
      expect((await request(server.adminUrl!, '/healthz')).text).toBe('ok\n');
      expect((await request(server.adminUrl!, '/readyz')).status).toBe(200);
      const before = (await request(server.adminUrl!, '/metrics')).text;
      expect(before).toContain('# TYPE tinyhttp_requests_total counter');
      expect(before).toContain('process_cpu_user_seconds_total');
      if (mode === 'threaded') expect(before).toContain('tinyhttp_pool_queue_length');

      for (let i = 0; i < 5; i++) await request(server.url, '/hello.txt');
      await request(server.url, '/missing');
      await request(server.url, '/private/secret.txt', { headers: { authorization: basic('alice', 'wrong password') } });
      await request(server.url, '/data.json', { headers: { 'accept-encoding': 'gzip' } });
      // Held open while the metrics are read.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      await request(server.url, '/hello.txt', { agent });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const after = (await request(server.adminUrl!, '/metrics')).text;
      agent.destroy();

      const ok = 'tinyhttp_requests_total{method="GET",status="2xx"}';
      expect(sample(after, ok) - sample(before, ok)).toBe(7);
      expect(sample(after, 'tinyhttp_requests_total{method="GET",status="4xx"}')).toBeGreaterThanOrEqual(2);
      expect(sample(after, 'tinyhttp_response_body_bytes_total')).toBeGreaterThan(sample(before, 'tinyhttp_response_body_bytes_total'));
      expect(sample(after, 'tinyhttp_request_duration_seconds_count')).toBeGreaterThanOrEqual(9);
      expect(sample(after, 'tinyhttp_auth_failures_total')).toBe(1);
      expect(sample(after, 'tinyhttp_open_connections')).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'tinyhttp_requests_in_flight')).toBe(0);
      // The hot-path cache answered the repeated /hello.txt; the pool did the first lookups.
      expect(sample(after, 'tinyhttp_file_cache_lookups_total{result="hit"}')).toBeGreaterThanOrEqual(5);
      expect(sample(after, 'tinyhttp_file_cache_entries')).toBeGreaterThanOrEqual(1);
      if (mode === 'threaded') {
        // --threads 2 (the test helper's), exactly.
        expect(sample(after, 'tinyhttp_pool_threads')).toBe(2);
        expect(sample(after, 'tinyhttp_pool_tasks_completed_total')).toBeGreaterThan(0);
        expect(sample(after, 'tinyhttp_pool_run_seconds{quantile="0.99"}')).toBeGreaterThan(0);
      }
      // None of it on the public port.
      expect((await request(server.url, '/metrics')).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  test('/readyz says 503 as soon as shutdown begins, while a download is still finishing', async () => {
    const server = await startTestServer(fixtures.root, mode, { options: { adminPort: '0', gracePeriod: '3' } });
    // A client that takes the first bytes of the big file and then stops reading.
    const slow = http.get(`${server.url}/big.bin`);
    const responded = new Promise<http.IncomingMessage>((resolve) => slow.once('response', resolve));
    const response = await responded;
    response.pause();
    const closing = server.close();
    try {
      const ready = await request(server.adminUrl!, '/readyz');
      expect(ready.status).toBe(503);
      expect((await request(server.adminUrl!, '/healthz')).status).toBe(200);
    } finally {
      slow.destroy();
      await closing;
    }
  });
});
