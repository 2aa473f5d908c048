// Turns any thrown value into a safe response: the reason phrase as text/plain, an error id on 5xx,
// and never a path, errno, stack or config value. Logs 5xx at error with the private cause.

import type { ServerResponse } from 'node:http';
import { HttpError } from '../errors/http-error';
import type { Logger } from '../log/logger';
import type { RequestContext } from './context';

/** Generated pages load nothing and run nothing (DESIGN.md, Headers). */
export const ERROR_PAGE_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function toHttpError(error: unknown): HttpError {
  return error instanceof HttpError ? error : new HttpError('TH_ERR_INTERNAL', { cause: error });
}

export function sendError(ctx: RequestContext, error: unknown, logger: Logger): void {
  const httpError = toHttpError(error);
  const { res } = ctx;
  if (httpError.id !== undefined) {
    logger.error('request failed', {
      id: httpError.id,
      code: httpError.code,
      method: ctx.req.method,
      path: ctx.target?.path,
      cause: describeCause(httpError.cause),
    });
  } else if (logger.debugEnabled) {
    logger.debug('request refused', { code: httpError.code, status: httpError.status, cause: describeCause(httpError.cause) });
  }
  if (res.headersSent || res.destroyed) {
    // Too late for a status: cut the connection so the client sees a truncated body, not a wrong one.
    res.destroy();
    return;
  }
  ctx.bytesSent = writeErrorResponse(res, httpError, ctx.req.method === 'HEAD', ctx.responseHeaders);
}

/** Writes the error and returns the body bytes sent. */
export function writeErrorResponse(
  res: ServerResponse,
  error: HttpError,
  headOnly: boolean,
  responseHeaders: Readonly<Record<string, string>> = {},
): number {
  const body = error.id === undefined ? `${error.message}\n` : `${error.message} (error id ${error.id})\n`;
  // Whatever earlier stages set (validators, ranges) does not describe this body.
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  for (const name in responseHeaders) res.setHeader(name, responseHeaders[name]);
  res.statusCode = error.status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', ERROR_PAGE_CSP);
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.end(headOnly ? undefined : body);
  return headOnly ? 0 : Buffer.byteLength(body);
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}
