// The catalogue of every error the server can answer with: code → status and public message.
// The README's error table mirrors this list; test/unit/error-codes.test.ts keeps them in step.

export interface ErrorCodeInfo {
  /** HTTP status the client receives. */
  readonly status: number;
  /** Short public text; never carries a path, errno or config value. */
  readonly message: string;
}

export const ERROR_CODES = {
  TH_ERR_REQUEST_MALFORMED: { status: 400, message: 'Bad Request' },
  TH_ERR_REQUEST_HOST_INVALID: { status: 400, message: 'Bad Request: missing or invalid Host' },
  TH_ERR_PATH_ENCODING: { status: 400, message: 'Bad Request: invalid percent-encoding or NUL in path' },
  TH_ERR_PATH_BACKSLASH: { status: 400, message: 'Bad Request: backslash in path' },
  TH_ERR_TARGET_FORM: { status: 400, message: 'Bad Request: unsupported request target' },
  TH_ERR_AUTH_REQUIRED: { status: 401, message: 'Unauthorized' },
  TH_ERR_NOT_FOUND: { status: 404, message: 'Not Found' },
  TH_ERR_FORBIDDEN: { status: 403, message: 'Forbidden' },
  TH_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'Method Not Allowed' },
  TH_ERR_NOT_ACCEPTABLE: { status: 406, message: 'Not Acceptable: no acceptable content coding' },
  TH_ERR_REQUEST_TIMEOUT: { status: 408, message: 'Request Timeout' },
  TH_ERR_PRECONDITION_FAILED: { status: 412, message: 'Precondition Failed' },
  TH_ERR_URI_TOO_LONG: { status: 414, message: 'URI Too Long' },
  TH_ERR_RANGE_NOT_SATISFIABLE: { status: 416, message: 'Range Not Satisfiable' },
  TH_ERR_EXPECTATION_FAILED: { status: 417, message: 'Expectation Failed' },
  TH_ERR_AUTH_RATE_LIMITED: { status: 429, message: 'Too Many Requests' },
  TH_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'Request Header Fields Too Large' },
  TH_ERR_INTERNAL: { status: 500, message: 'Internal Server Error' },
  TH_ERR_FS_BUSY: { status: 503, message: 'Service Unavailable: too many open files' },
  TH_ERR_POOL_BUSY: { status: 503, message: 'Service Unavailable: server busy' },
  TH_ERR_WORKER_FAILED: { status: 503, message: 'Service Unavailable: worker failed' },
  TH_ERR_AUTH_BUSY: { status: 503, message: 'Service Unavailable: too many logins at once' },
  TH_ERR_HTTP_VERSION: { status: 505, message: 'HTTP Version Not Supported' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;
