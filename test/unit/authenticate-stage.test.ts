// The authenticate stage with a counting fake engine: what black-box tests cannot see is how many
// hash checks run. Unknown users must cost one (a dummy) like known ones; a locked-out client none;
// a cached success none.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { DUMMY_HASH } from '../../src/auth/password-hash';
import { AuthState, AuthStore } from '../../src/auth/state';
import { compileRules } from '../../src/auth/rules';
import type { Engine } from '../../src/engine/engine';
import { HttpError } from '../../src/errors/http-error';
import { createLogger } from '../../src/log/logger';
import { createAuthenticateStage } from '../../src/pipeline/authenticate';
import type { RequestContext } from '../../src/pipeline/context';
import { PassThrough } from 'node:stream';

const ALICE_HASH = '$scrypt$ln=15,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=';

function makeState(): AuthState {
  return {
    enabled: true,
    users: new Map([['alice', { hash: ALICE_HASH, roles: ['admin'] }]]),
    tokens: undefined,
    signingKey: undefined,
    rules: compileRules([{ path: '/**', allow: ['authenticated'] }], 'test'),
    challenges: ['Basic realm="t", charset="UTF-8"'],
  };
}

function makeEngine(calls: string[]): Engine {
  return {
    mode: 'async',
    threads: 0,
    resolve: async () => ({ kind: 'missing' }),
    areUnchanged: async (stamps) => stamps.map(() => false),
    compress: async () => new Uint8Array(0),
    verifyPassword: async (hash, password) => {
      calls.push(hash);
      return hash === ALICE_HASH && password === 'right';
    },
    close: async () => undefined,
  };
}

function makeContext(user: string, password: string, address = '10.0.0.1'): RequestContext {
  const req = {
    method: 'GET',
    headers: { authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') },
  } as unknown as IncomingMessage;
  return {
    req,
    res: {} as ServerResponse,
    startedAt: 0n,
    responseHeaders: {},
    remoteAddress: address,
    target: { segments: ['x'], trailingSlash: false, path: '/x', query: '' },
  };
}

const quietLogger = () => createLogger({ format: 'combined', quiet: true, debug: false, stdout: new PassThrough(), stderr: new PassThrough() });

async function statusOf(promise: Promise<void>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    return (error as HttpError).status;
  }
}

describe('authenticate stage', () => {
  test('an unknown user costs one hash check, against the dummy hash', async () => {
    const calls: string[] = [];
    const stage = createAuthenticateStage(new AuthStore(makeState(), makeState), makeEngine(calls), quietLogger(), { maxFailures: 100, failureWindowMs: 60_000 });
    expect(await statusOf(stage(makeContext('mallory', 'right')))).toBe(401);
    expect(calls).toEqual([DUMMY_HASH]);
  });

  test('a wrong password for a known user costs one hash check, against the real hash', async () => {
    const calls: string[] = [];
    const stage = createAuthenticateStage(new AuthStore(makeState(), makeState), makeEngine(calls), quietLogger(), { maxFailures: 100, failureWindowMs: 60_000 });
    expect(await statusOf(stage(makeContext('alice', 'wrong')))).toBe(401);
    expect(calls).toEqual([ALICE_HASH]);
  });

  test('a success is cached: the second request with the same credentials computes no hash', async () => {
    const calls: string[] = [];
    const stage = createAuthenticateStage(new AuthStore(makeState(), makeState), makeEngine(calls), quietLogger(), { maxFailures: 100, failureWindowMs: 60_000 });
    const first = makeContext('alice', 'right');
    await stage(first);
    expect(first.principal).toEqual({ name: 'alice', roles: ['admin'] });
    const second = makeContext('alice', 'right');
    await stage(second);
    expect(second.principal?.name).toBe('alice');
    expect(calls).toHaveLength(1);
    // A different password is not served from the cache.
    expect(await statusOf(stage(makeContext('alice', 'wrong')))).toBe(401);
    expect(calls).toHaveLength(2);
  });

  test('a reload empties the cache', async () => {
    const calls: string[] = [];
    const store = new AuthStore(makeState(), makeState);
    const stage = createAuthenticateStage(store, makeEngine(calls), quietLogger(), { maxFailures: 100, failureWindowMs: 60_000 });
    await stage(makeContext('alice', 'right'));
    store.reload();
    await stage(makeContext('alice', 'right'));
    expect(calls).toHaveLength(2);
  });

  test('past the failure limit the client gets 429 and no hash is computed', async () => {
    const calls: string[] = [];
    const stage = createAuthenticateStage(new AuthStore(makeState(), makeState), makeEngine(calls), quietLogger(), { maxFailures: 2, failureWindowMs: 60_000 });
    expect(await statusOf(stage(makeContext('alice', 'wrong')))).toBe(401);
    expect(await statusOf(stage(makeContext('alice', 'wrong')))).toBe(401);
    expect(calls).toHaveLength(2);
    expect(await statusOf(stage(makeContext('alice', 'right')))).toBe(429);
    expect(calls).toHaveLength(2);
    // Another address is not affected.
    expect(await statusOf(stage(makeContext('alice', 'right', '10.0.0.2')))).toBe(200);
  });
});

describe('authenticate stage under concurrency', () => {
  /** An engine whose checks finish only when released, to hold verifications in flight. */
  function makeSlowEngine(calls: string[]) {
    const pending: (() => void)[] = [];
    const engine: Engine = {
      ...makeEngine(calls),
      verifyPassword: (hash) => {
        calls.push(hash);
        return new Promise((resolve) => pending.push(() => resolve(false)));
      },
    };
    return { engine, releaseAll: () => pending.splice(0).forEach((release) => release()) };
  }

  test('parallel guesses from one address cannot outrun the failure limit', async () => {
    const calls: string[] = [];
    const { engine, releaseAll } = makeSlowEngine(calls);
    const stage = createAuthenticateStage(new AuthStore(makeState(), makeState), engine, quietLogger(), { maxFailures: 5, failureWindowMs: 60_000 });
    const attempts = Array.from({ length: 20 }, (_, i) => statusOf(stage(makeContext('alice', `guess-${i}`))));
    // Let every attempt reach the engine or the limiter, then finish the hash checks.
    for (let i = 0; i < 20 && calls.length < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    const releaser = setInterval(releaseAll, 1);
    const statuses = await Promise.all(attempts);
    clearInterval(releaser);
    expect(calls.length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(15);
  });

  test('hash checks are bounded: past the waiting line, 503 with Retry-After', async () => {
    const calls: string[] = [];
    const { engine, releaseAll } = makeSlowEngine(calls);
    const stage = createAuthenticateStage(new AuthStore(makeState(), makeState), engine, quietLogger(), { maxFailures: 0, failureWindowMs: 60_000 });
    const attempts = Array.from({ length: 80 }, (_, i) => statusOf(stage(makeContext('alice', `pw-${i}`, `10.1.${i}.1`))));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.length).toBe(2); // two at a time
    const releaser = setInterval(releaseAll, 1);
    const statuses = await Promise.all(attempts);
    clearInterval(releaser);
    expect(statuses.filter((status) => status === 503).length).toBe(80 - 2 - 64);
    expect(statuses.filter((status) => status === 401).length).toBe(2 + 64);
  });

  test('a reload during a hash check makes the answer count against the new users', async () => {
    const calls: string[] = [];
    let state = makeState();
    const store = new AuthStore(state, () => state);
    let swap: () => void = () => undefined;
    const engine: Engine = {
      ...makeEngine(calls),
      verifyPassword: async (hash, password) => {
        calls.push(hash);
        // While alice's old password is being checked, the operator changes it.
        swap();
        return hash === ALICE_HASH && password === 'right';
      },
    };
    swap = () => {
      swap = () => undefined;
      state = { ...makeState(), users: new Map([['alice', { hash: 'other-hash', roles: ['admin'] }]]) };
      store.reload();
    };
    const stage = createAuthenticateStage(store, engine, quietLogger(), { maxFailures: 100, failureWindowMs: 60_000 });
    expect(await statusOf(stage(makeContext('alice', 'right')))).toBe(401);
    expect(calls).toEqual([ALICE_HASH, 'other-hash']);
  });
});
