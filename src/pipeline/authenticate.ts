// Stage 3, authenticate: signed URL, Basic or Bearer credentials → ctx.principal.   → 401 / 429
// Runs before the file system is touched. Anonymous requests pass through; authorize decides.
// SECURITY: unknown users cost a dummy hash check; failures are counted per client address and,
// past the limit, refused with 429 before any hash is computed.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DUMMY_HASH } from '../auth/password-hash';
import { digestToken } from '../auth/credentials';
import { FailureLimiter, VerificationCache } from '../auth/rate-limit';
import { checkSignature } from '../auth/signed-url';
import type { AuthStore } from '../auth/state';
import type { Engine } from '../engine/engine';
import { HttpError } from '../errors/http-error';
import { certificatePrincipal } from '../tls/client-certificate';
import { parseAuthorization } from '../http/authorization';
import type { Logger } from '../log/logger';
import type { RequestContext } from './context';

/** How long a successful Basic verification is remembered. */
export const VERIFICATION_CACHE_TTL_MS = 60_000;
/**
 * Hash checks at once, process-wide. scrypt runs on libuv's thread pool (4 threads), which file
 * reads also need: two at a time leaves room for serving while logins are being hammered.
 */
export const MAX_CONCURRENT_VERIFICATIONS = 2;
/** Checks waiting for a slot; past this, 503 with Retry-After instead of an unbounded queue. */
export const MAX_WAITING_VERIFICATIONS = 64;

export interface AuthenticateOptions {
  readonly maxFailures: number;
  readonly failureWindowMs: number;
  /** Told of each failed attempt (metrics). */
  readonly onFailure?: () => void;
}

export function createAuthenticateStage(auth: AuthStore, engine: Engine, logger: Logger, options: AuthenticateOptions) {
  const limiter = new FailureLimiter(options.maxFailures, options.failureWindowMs);
  const verified = new VerificationCache(VERIFICATION_CACHE_TTL_MS);
  const slots = new Semaphore(MAX_CONCURRENT_VERIFICATIONS, MAX_WAITING_VERIFICATIONS);
  const cacheKey = randomBytes(32);
  let cachedFor = auth.current;

  function fail(ctx: RequestContext, reason: string, user?: string): never {
    const address = ctx.remoteAddress ?? '-';
    limiter.recordFailure(address);
    options.onFailure?.();
    logger.warn('authentication failed', { reason, address, user, method: ctx.req.method, path: ctx.target!.path });
    throw authenticationRequired(auth);
  }

  return async function authenticate(ctx: RequestContext): Promise<void> {
    // mTLS: a verified client certificate names the principal unless the request carries
    // credentials of its own, which are then checked (and must hold) as always.
    ctx.principal = certificatePrincipal(ctx.req);
    const state = auth.current;
    if (!state.enabled) return;
    if (state !== cachedFor) {
      // Reloaded: a removed user or changed password must not live on in the cache.
      verified.clear();
      cachedFor = state;
    }
    const { req } = ctx;
    const target = ctx.target!;
    const address = ctx.remoteAddress ?? '-';

    if (state.signingKey !== undefined) {
      const check = checkSignature(state.signingKey, req.method ?? '', target.path, target.query, Math.floor(Date.now() / 1000));
      if (check === 'valid') {
        ctx.signedPath = target.path;
        return;
      }
      if (check !== 'absent') {
        refuseIfLockedOut(ctx, limiter, address, logger);
        fail(ctx, `signed URL ${check}`);
      }
    }

    const header = req.headers.authorization;
    if (header === undefined) return;
    refuseIfLockedOut(ctx, limiter, address, logger);
    const credentials = parseAuthorization(header);
    if (credentials === undefined) fail(ctx, 'malformed Authorization header');

    if (credentials.scheme === 'basic') {
      if (state.users === undefined) fail(ctx, 'Basic auth is not enabled', credentials.user);
      const key = createHmac('sha256', cacheKey).update(credentials.user).update('\0').update(credentials.password).digest('hex');
      const user = state.users.get(credentials.user);
      if (user !== undefined && verified.has(key)) {
        ctx.principal = { name: credentials.user, roles: user.roles };
        return;
      }
      if (!slots.tryAcquire()) throw new HttpError('TH_ERR_AUTH_BUSY', { headers: { 'Retry-After': '1' } });
      limiter.begin(address);
      let matches: boolean;
      try {
        await slots.ready();
        matches = await engine.verifyPassword(user?.hash ?? DUMMY_HASH, credentials.password);
      } finally {
        slots.release();
        limiter.settle(address);
      }
      // Reloaded while we hashed: the answer is about an old password; check again.
      if (auth.current !== state) return authenticate(ctx);
      if (user === undefined || !matches) fail(ctx, user === undefined ? 'unknown user' : 'wrong password', credentials.user);
      verified.add(key);
      ctx.principal = { name: credentials.user, roles: user.roles };
      return;
    }

    if (state.tokens === undefined) fail(ctx, 'Bearer auth is not enabled');
    const digest = Buffer.from(digestToken(credentials.token), 'hex');
    let found: (typeof state.tokens)[number] | undefined;
    // Compare against every stored digest, in constant time each, whatever matches first.
    for (const entry of state.tokens) {
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry;
    }
    if (found === undefined) fail(ctx, 'unknown token');
    ctx.principal = { name: found.record.name, roles: found.record.roles };
  };
}

function refuseIfLockedOut(ctx: RequestContext, limiter: FailureLimiter, address: string, logger: Logger): void {
  const retryAfter = limiter.retryAfterSeconds(address);
  if (retryAfter === 0) return;
  logger.warn('authentication locked out', { address, method: ctx.req.method, path: ctx.target!.path, retryAfter });
  throw new HttpError('TH_ERR_AUTH_RATE_LIMITED', { headers: { 'Retry-After': String(retryAfter) } });
}

export function challengeHeaders(auth: AuthStore): Record<string, string> {
  return { 'WWW-Authenticate': auth.current.challenges.join(', ') };
}

/**
 * The error for a client that must authenticate: 401 with the challenges (RFC 9110 §15.5.2 requires
 * at least one), or 403 when no challenge-based scheme is enabled (signed URLs only): there is no
 * credential the client could send.
 */
export function authenticationRequired(auth: AuthStore): HttpError {
  return auth.current.challenges.length === 0
    ? new HttpError('TH_ERR_FORBIDDEN')
    : new HttpError('TH_ERR_AUTH_REQUIRED', { headers: challengeHeaders(auth) });
}

/** A counting semaphore with a bounded waiting line. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly maxWaiting: number,
  ) {}

  /** Takes a place (running or waiting); false when the waiting line is full. */
  tryAcquire(): boolean {
    if (this.active >= this.limit && this.waiting.length >= this.maxWaiting) return false;
    return true;
  }

  ready(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => resolve()));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.active--;
  }
}
