// Turns any thrown value into a safe response: the reason phrase as text/plain, an error id on 5xx,
// and never a path, errno, stack or config value. Logs 5xx at error with the private cause.

import { createHash } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { HttpError } from '../errors/http-error';
import type { Logger } from '../log/logger';
import { isResponseGone, type RequestContext } from './context';

/** Generated pages load nothing and run nothing (DESIGN.md, Headers). */
export const ERROR_PAGE_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function toHttpError(error: unknown): HttpError {
  return error instanceof HttpError ? error : new HttpError('TH_ERR_INTERNAL', { cause: error });
}

/** An --error-page file, read for this answer. */
export interface ErrorPage {
  readonly contentType: string;
  readonly body: Uint8Array;
  /** Ours are strict; an operator's page gets none from us. */
  readonly csp?: string;
}

export function sendError(ctx: RequestContext, error: unknown, logger: Logger, page?: ErrorPage): void {
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
  if (res.headersSent || isResponseGone(res)) {
    // Too late for a status: cut the connection so the client sees a truncated body, not a wrong one.
    res.destroy();
    return;
  }
  ctx.bytesSent = writeErrorResponse(res, httpError, ctx.req.method === 'HEAD', ctx.responseHeaders, page ?? defaultPage(httpError, ctx.req.headers.accept));
}

/** Error pages for browsers: tiny, styled inline (allowed by hash, nothing else), nothing leaked. */
const PAGE_STYLE = 'body{font:16px/1.5 system-ui,sans-serif;color:#222;max-width:34em;margin:12vh auto;padding:0 1em}h1{font-size:1.5em;font-weight:600;margin:0 0 .3em}p{color:#666;margin:0}';
export const ERROR_HTML_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** HTML when the client asks for it by name (a browser), the plain reason phrase otherwise. */
function defaultPage(error: HttpError, accept: string | undefined): ErrorPage | undefined {
  if (accept === undefined || !/text\/html/i.test(accept)) return undefined;
  const status = `${error.status} ${STATUS_CODES[error.status] ?? ''}`.trim();
  const detail = error.id === undefined ? error.message : `${error.message} (error id ${error.id})`;
  const html =
    `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${status}</title><style>${PAGE_STYLE}</style><h1>${status}</h1>` +
    // The detail only when it says more than the heading ("Bad Request: backslash in path").
    (detail === STATUS_CODES[error.status] ? '' : `<p>${escapeHtml(detail)}</p>`) +
    '</html>\n';
  return { contentType: 'text/html; charset=utf-8', body: Buffer.from(html), csp: ERROR_HTML_CSP };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Writes the error and returns the body bytes sent. */
export function writeErrorResponse(
  res: ServerResponse,
  error: HttpError,
  headOnly: boolean,
  responseHeaders: Readonly<Record<string, string>> = {},
  page?: ErrorPage,
): number {
  const body: Uint8Array = page?.body ?? Buffer.from(error.id === undefined ? `${error.message}\n` : `${error.message} (error id ${error.id})\n`);
  // Whatever earlier stages set (validators, ranges) does not describe this body.
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  for (const name in responseHeaders) res.setHeader(name, responseHeaders[name]);
  res.statusCode = error.status;
  res.setHeader('Content-Type', page?.contentType ?? 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // An operator's own page may load its own styles and images; ours load nothing.
  const csp = page === undefined ? ERROR_PAGE_CSP : page.csp;
  if (csp !== undefined) res.setHeader('Content-Security-Policy', csp);
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.end(headOnly ? undefined : body);
  return headOnly ? 0 : body.length;
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}
