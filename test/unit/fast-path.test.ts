import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthState, AuthStore } from '../../src/auth/state';
import type { FileEntry } from '../../src/core/resolution';
import type { CachingEngine } from '../../src/engine/hot-cache';
import type { RequestContext } from '../../src/pipeline/context';
import { createFastPath } from '../../src/pipeline/fast-path';

const OPEN: AuthState = { enabled: false, users: undefined, tokens: undefined, signingKey: undefined, rules: [], challenges: [] };
const FILE: FileEntry = { kind: 'file', size: 10, mtimeMs: 0, etag: '"x"', contentType: 'text/plain', body: new Uint8Array(10) };

/** A request and an answered 200 as the pipeline leaves them, for `record`. */
function answered(url: string, accept = '*/*'): RequestContext {
  const req = {
    method: 'GET',
    url,
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    headers: { host: 'localhost', accept },
    rawHeaders: ['Host', 'localhost', 'Accept', accept],
    socket: {},
  } as unknown as IncomingMessage;
  const res = {
    statusCode: 200,
    getRawHeaderNames: () => ['Content-Type', 'Content-Length'],
    getHeader: (name: string) => (name === 'Content-Type' ? 'text/plain' : 10),
  } as unknown as ServerResponse;
  return { req, res, startedAt: 0n, remoteAddress: '127.0.0.1', responseHeaders: {}, resolution: FILE };
}

describe('answer memo', () => {
  const cache = { isFresh: () => true } as unknown as CachingEngine;
  const auth = new AuthStore(OPEN, () => OPEN);

  test('keys count against the budget: long targets cannot hold memory past it', () => {
    const maxBytes = 1024 * 1024;
    const memo = createFastPath({ cache, auth, cors: false, maxBytes });
    const query = 'q'.repeat(1900);
    for (let i = 0; i < 10_000; i++) memo.record(answered(`/a.txt?${i}-${query}`), FILE);
    const { answers, bytes } = memo.stats();
    expect(bytes).toBeLessThanOrEqual(maxBytes);
    // Each key alone is ~4 KB of string: what they hold stays within the budget too.
    expect(answers * query.length * 2).toBeLessThanOrEqual(maxBytes);
  });

  test('keys over 2 KiB are not remembered; ordinary ones are', () => {
    const memo = createFastPath({ cache, auth, cors: false, maxBytes: 64 * 1024 * 1024 });
    memo.record(answered('/a.txt', 'x'.repeat(3000)), FILE);
    expect(memo.stats().answers).toBe(0);
    memo.record(answered('/a.txt'), FILE);
    expect(memo.stats().answers).toBe(1);
  });
});
