// HttpError is how any stage ends a request early; ConfigError is how start-up fails.
// Both carry only public text; the cause stays private and reaches the log, never the client.

import { randomBytes } from 'node:crypto';
import { ERROR_CODES, ErrorCode } from './codes';

/**
 * 5xx that are no fault to investigate, so no id and no error-log line each: 505 is the client's
 * doing (another HTTP version), and a full pool or login queue is load being shed by design.
 */
const WITHOUT_ID: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['TH_ERR_HTTP_VERSION', 'TH_ERR_POOL_BUSY', 'TH_ERR_AUTH_BUSY']);

export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  /** Extra response headers the status needs (Allow, Content-Range, Retry-After…). */
  readonly headers: Readonly<Record<string, string>>;
  /** Short id printed on 5xx bodies and in the error log line, to match the two. */
  readonly id: string | undefined;

  constructor(code: ErrorCode, options: { headers?: Record<string, string>; cause?: unknown } = {}) {
    const info = ERROR_CODES[code];
    super(info.message, { cause: options.cause });
    this.name = 'HttpError';
    this.code = code;
    this.status = info.status;
    this.headers = options.headers ?? {};
    this.id = info.status >= 500 && !WITHOUT_ID.has(code) ? randomBytes(4).toString('hex') : undefined;
  }
}

/** A start-up problem: one line naming the option, exit code 1, no stack. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
