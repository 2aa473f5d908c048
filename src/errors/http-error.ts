// HttpError is how any stage ends a request early; ConfigError is how start-up fails.
// Both carry only public text; the cause stays private and reaches the log, never the client.

import { randomBytes } from 'node:crypto';
import { ERROR_CODES, ErrorCode } from './codes';

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
    // 505 is the client's doing (it spoke another HTTP version): no id, no error-log line.
    this.id = info.status >= 500 && info.status !== 505 ? randomBytes(4).toString('hex') : undefined;
  }
}

/** A start-up problem: one line naming the option, exit code 1, no stack. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
