// The one options table: type, default, environment variable and help text of every option.
// cli/args.ts derives the yargs definition from it and config/load.ts the validation, so a
// default is written exactly once (STYLE.md §6).

import os from 'node:os';
import type { CacheControlRule, HeaderRule } from './asset-rules';

export type OptionSpec =
  /** A `default` of undefined means the option is off unless given. */
  | { readonly type: 'string'; readonly default: string | undefined; readonly env: string; readonly describe: string }
  /** A path to a file, optional (no default); secrets are only ever given this way. */
  | { readonly type: 'file'; readonly default: undefined; readonly env: string; readonly describe: string }
  | { readonly type: 'boolean'; readonly default: boolean; readonly env: string; readonly describe: string }
  | {
      readonly type: 'integer';
      readonly default: number | undefined;
      readonly min: number;
      readonly max: number;
      readonly env: string;
      readonly describe: string;
    }
  | {
      readonly type: 'choice';
      readonly default: string;
      readonly choices: readonly string[];
      readonly env: string;
      readonly describe: string;
    };

export const DEFAULT_PORT = 6789;
export const DEFAULT_GRACE_PERIOD_SECONDS = 10;
export const MAX_THREADS = 256;
export const DEFAULT_SEND_TIMEOUT_SECONDS = 60;
export const DEFAULT_AUTH_MAX_FAILURES = 10;
export const DEFAULT_AUTH_FAILURE_WINDOW_SECONDS = 60;
export const DEFAULT_COMPRESS_LEVEL = 6;
export const DEFAULT_MAX_CONNECTIONS = 4096;
export const DEFAULT_MAX_QUEUE = 1024;
export const DEFAULT_CACHE_SIZE_MIB = 64;
export const DEFAULT_CACHE_TTL_MS = 1000;
/** Two years, the HSTS preload list's minimum and about the longest max-age anyone sends. */
export const MAX_HSTS_SECONDS = 63_072_000;

/** Keys are the camelCase config names; the flag is the kebab-case form (`logFormat` → `--log-format`). */
export const OPTIONS = {
  root: {
    type: 'string',
    default: '.',
    env: 'TINYHTTP_ROOT',
    describe: 'Directory to serve (the positional argument)',
  },
  config: {
    type: 'file',
    default: undefined,
    env: 'TINYHTTP_CONFIG',
    describe: 'JSON file with any of these options by name (defaults < file < environment < flags)',
  },
  port: {
    type: 'integer',
    default: DEFAULT_PORT,
    min: 0,
    max: 65535,
    env: 'TINYHTTP_PORT',
    describe: 'TCP port to listen on (0 picks a free port)',
  },
  host: {
    type: 'string',
    default: '127.0.0.1',
    env: 'TINYHTTP_HOST',
    describe: 'Address to bind; use 0.0.0.0 to accept connections from other machines',
  },
  mode: {
    type: 'choice',
    default: 'threaded',
    choices: ['async', 'threaded'],
    env: 'TINYHTTP_MODE',
    describe: 'Engine: async (all on the event loop) or threaded (file work in a worker pool)',
  },
  threads: {
    type: 'integer',
    default: Math.min(os.availableParallelism(), MAX_THREADS),
    min: 1,
    max: MAX_THREADS,
    env: 'TINYHTTP_THREADS',
    describe: 'Worker threads for the threaded engine (default: CPU count); implies --mode threaded',
  },
  listing: {
    type: 'boolean',
    default: true,
    env: 'TINYHTTP_LISTING',
    describe: 'Directory listings when no index.html exists (--no-listing turns them off)',
  },
  logFormat: {
    type: 'choice',
    default: 'combined',
    choices: ['combined', 'json'],
    env: 'TINYHTTP_LOG_FORMAT',
    describe: 'Access log format',
  },
  quiet: {
    type: 'boolean',
    default: false,
    env: 'TINYHTTP_QUIET',
    describe: 'No access log; start-up line and errors only',
  },
  debug: {
    type: 'boolean',
    default: false,
    env: 'TINYHTTP_DEBUG',
    describe: 'Also log request and response headers (Authorization, Cookie and other credential headers redacted)',
  },
  authUsers: {
    type: 'file',
    default: undefined,
    env: 'TINYHTTP_AUTH_USERS_FILE',
    describe: 'Users file for HTTP Basic auth: name:hash[:role,role] per line (see hash-password)',
  },
  authTokens: {
    type: 'file',
    default: undefined,
    env: 'TINYHTTP_AUTH_TOKENS_FILE',
    describe: 'Bearer tokens file: sha256-hex name[:role,role] per line (see gen-token)',
  },
  signingKeyFile: {
    type: 'file',
    default: undefined,
    env: 'TINYHTTP_SIGNING_KEY_FILE',
    describe: 'Key file (32+ bytes) for signed URLs (see sign-url)',
  },
  authRules: {
    type: 'file',
    default: undefined,
    env: 'TINYHTTP_AUTH_RULES_FILE',
    describe: 'JSON authorization rules: [{ "path": "/private/**", "allow": ["role:admin"] }, …]',
  },
  authRealm: {
    type: 'string',
    default: 'tinyhttp',
    env: 'TINYHTTP_AUTH_REALM',
    describe: 'Realm named in WWW-Authenticate challenges',
  },
  authMaxFailures: {
    type: 'integer',
    default: DEFAULT_AUTH_MAX_FAILURES,
    min: 0,
    max: 1_000_000,
    env: 'TINYHTTP_AUTH_MAX_FAILURES',
    describe: 'Failed logins per client address and window before 429 (0 turns the limit off)',
  },
  authFailureWindow: {
    type: 'integer',
    default: DEFAULT_AUTH_FAILURE_WINDOW_SECONDS,
    min: 1,
    max: 86_400,
    env: 'TINYHTTP_AUTH_FAILURE_WINDOW',
    describe: 'Seconds over which failed logins are counted',
  },
  compress: {
    type: 'boolean',
    default: true,
    env: 'TINYHTTP_COMPRESS',
    describe: 'Brotli/gzip for compressible types of 1 KiB to 8 MiB, compressed once and cached (--no-compress: off)',
  },
  compressLevel: {
    type: 'integer',
    default: DEFAULT_COMPRESS_LEVEL,
    min: 1,
    max: 9,
    env: 'TINYHTTP_COMPRESS_LEVEL',
    describe: 'Compression level, 1 (fast) to 9 (small): gzip level and brotli quality',
  },
  precompressed: {
    type: 'boolean',
    default: true,
    env: 'TINYHTTP_PRECOMPRESSED',
    describe: 'Serve app.js.br / app.js.gz beside app.js to clients that accept them (--no-precompressed: off)',
  },
  cacheControl: {
    type: 'string',
    default: undefined,
    env: 'TINYHTTP_CACHE_CONTROL',
    describe: 'Cache-Control for files no cacheControlRules entry of the config file matches',
  },
  cors: {
    type: 'string',
    default: undefined,
    env: 'TINYHTTP_CORS',
    describe: 'Origins that may read cross-origin: * or https://a.example,https://b.example',
  },
  securityHeaders: {
    type: 'boolean',
    default: true,
    env: 'TINYHTTP_SECURITY_HEADERS',
    describe: 'Referrer-Policy: no-referrer and X-Frame-Options: SAMEORIGIN (--no-security-headers: off)',
  },
  spa: {
    type: 'string',
    default: undefined,
    env: 'TINYHTTP_SPA',
    describe: 'Single-page app: answer page navigations that would 404 with this file (e.g. index.html)',
  },
  cleanUrls: {
    type: 'boolean',
    default: false,
    env: 'TINYHTTP_CLEAN_URLS',
    describe: 'Serve /about from about.html, and redirect /about.html to /about',
  },
  errorPage: {
    type: 'string',
    default: undefined,
    env: 'TINYHTTP_ERROR_PAGE',
    describe: 'Own error pages: 404=404.html[,403=403.html…], files inside the root',
  },
  tlsCert: {
    type: 'file',
    default: undefined,
    env: 'TINYHTTP_TLS_CERT_FILE',
    describe: 'PEM certificate chain: serve HTTPS (HTTP/2 and HTTP/1.1) with --tls-key',
  },
  tlsKey: {
    type: 'file',
    default: undefined,
    env: 'TINYHTTP_TLS_KEY_FILE',
    describe: 'PEM private key for --tls-cert',
  },
  tlsPassphraseFile: {
    type: 'file',
    default: undefined,
    env: 'TINYHTTP_TLS_PASSPHRASE_FILE',
    describe: 'File holding the passphrase of an encrypted --tls-key',
  },
  tlsSelfSigned: {
    type: 'boolean',
    default: false,
    env: 'TINYHTTP_TLS_SELF_SIGNED',
    describe: 'Serve HTTPS with a throwaway certificate for localhost made at start (trying things out only)',
  },
  tlsMinVersion: {
    type: 'choice',
    default: 'TLSv1.2',
    choices: ['TLSv1.2', 'TLSv1.3'],
    env: 'TINYHTTP_TLS_MIN_VERSION',
    describe: 'Oldest TLS version accepted',
  },
  tlsClientCa: {
    type: 'file',
    default: undefined,
    env: 'TINYHTTP_TLS_CLIENT_CA_FILE',
    describe: 'PEM CA certificates for client certificates (mTLS); a verified subject CN is the principal user:CN',
  },
  tlsClientAuth: {
    type: 'choice',
    default: 'required',
    choices: ['optional', 'required'],
    env: 'TINYHTTP_TLS_CLIENT_AUTH',
    describe: 'With --tls-client-ca: refuse clients without a valid certificate, or let them in anonymous',
  },
  hsts: {
    type: 'integer',
    default: 0,
    min: 0,
    max: MAX_HSTS_SECONDS,
    env: 'TINYHTTP_HSTS',
    describe: 'Strict-Transport-Security max-age in seconds on HTTPS responses (0: not sent)',
  },
  redirectHttp: {
    type: 'integer',
    default: undefined,
    min: 0,
    max: 65535,
    env: 'TINYHTTP_REDIRECT_HTTP',
    describe: 'Also listen on this plain-HTTP port and answer 308 to the same URL on https',
  },
  publicHost: {
    type: 'string',
    default: undefined,
    env: 'TINYHTTP_PUBLIC_HOST',
    describe: 'Host name (and :port) clients use, for redirects; otherwise a well-formed request Host',
  },
  adminPort: {
    type: 'integer',
    default: undefined,
    min: 0,
    max: 65535,
    env: 'TINYHTTP_ADMIN_PORT',
    describe: 'Port for /healthz, /readyz and /metrics (Prometheus); off unless given',
  },
  adminHost: {
    type: 'string',
    default: '127.0.0.1',
    env: 'TINYHTTP_ADMIN_HOST',
    describe: 'Address the admin port binds',
  },
  cache: {
    type: 'boolean',
    default: true,
    env: 'TINYHTTP_CACHE',
    describe: 'Keep hot small files (metadata and bytes) in memory on the main thread (--no-cache turns it off)',
  },
  cacheSize: {
    type: 'integer',
    default: DEFAULT_CACHE_SIZE_MIB,
    min: 1,
    max: 65536,
    env: 'TINYHTTP_CACHE_SIZE',
    describe: 'MiB of file bytes the cache may hold (least recently used go first)',
  },
  cacheTtl: {
    type: 'integer',
    default: DEFAULT_CACHE_TTL_MS,
    min: 0,
    max: 3_600_000,
    env: 'TINYHTTP_CACHE_TTL',
    describe: 'Milliseconds a cached file is served before it is checked on disk again (0: every request)',
  },
  workerTimeout: {
    type: 'integer',
    default: 30,
    min: 1,
    max: 3600,
    env: 'TINYHTTP_WORKER_TIMEOUT',
    describe: 'Threaded engine: seconds a pool task may take before its worker is replaced (503)',
  },
  maxConnections: {
    type: 'integer',
    default: DEFAULT_MAX_CONNECTIONS,
    min: 1,
    max: 1_000_000,
    env: 'TINYHTTP_MAX_CONNECTIONS',
    describe: 'Open connections at once; further ones are closed at once instead of queuing',
  },
  maxQueue: {
    type: 'integer',
    default: DEFAULT_MAX_QUEUE,
    min: 1,
    max: 1_000_000,
    env: 'TINYHTTP_MAX_QUEUE',
    describe: 'Threaded engine: file tasks that may wait for a worker; past this, 503 with Retry-After',
  },
  headerTimeout: {
    type: 'integer',
    default: 10,
    min: 1,
    max: 3600,
    env: 'TINYHTTP_HEADER_TIMEOUT',
    describe: 'Seconds for a request head (and a TLS handshake) to arrive; slower clients are cut (408)',
  },
  requestTimeout: {
    type: 'integer',
    default: 30,
    min: 1,
    max: 3600,
    env: 'TINYHTTP_REQUEST_TIMEOUT',
    describe: 'Seconds for a whole request to arrive',
  },
  keepAliveTimeout: {
    type: 'integer',
    default: 5,
    min: 1,
    max: 3600,
    env: 'TINYHTTP_KEEP_ALIVE_TIMEOUT',
    describe: 'Seconds an idle HTTP/1.1 keep-alive connection stays open',
  },
  maxHeaderSize: {
    type: 'integer',
    default: 16_384,
    min: 1_024,
    max: 1_048_576,
    env: 'TINYHTTP_MAX_HEADER_SIZE',
    describe: 'Bytes a request head may take (431 past it)',
  },
  sendTimeout: {
    type: 'integer',
    default: DEFAULT_SEND_TIMEOUT_SECONDS,
    min: 1,
    max: 3600,
    env: 'TINYHTTP_SEND_TIMEOUT',
    describe: 'Seconds a connection may stay silent (client reading nothing) before it is closed',
  },
  gracePeriod: {
    type: 'integer',
    default: DEFAULT_GRACE_PERIOD_SECONDS,
    min: 0,
    max: 3600,
    env: 'TINYHTTP_GRACE_PERIOD',
    describe: 'Seconds in-flight responses get to finish on SIGINT/SIGTERM',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** The validated, frozen configuration every other module receives. */
export interface ServerConfig {
  /** Real, absolute path of the served directory. */
  readonly root: string;
  /** The --config file, when one was given. */
  readonly config: string | undefined;
  readonly port: number;
  readonly host: string;
  readonly mode: 'async' | 'threaded';
  readonly threads: number;
  readonly listing: boolean;
  readonly logFormat: 'combined' | 'json';
  readonly quiet: boolean;
  readonly debug: boolean;
  /** Absolute paths of the secret and rules files; undefined when not configured. */
  readonly authUsers: string | undefined;
  readonly authTokens: string | undefined;
  readonly signingKeyFile: string | undefined;
  readonly authRules: string | undefined;
  readonly authRealm: string;
  readonly authMaxFailures: number;
  readonly authFailureWindow: number;
  readonly compress: boolean;
  readonly compressLevel: number;
  readonly precompressed: boolean;
  readonly cacheControl: string | undefined;
  readonly cors: string | undefined;
  readonly securityHeaders: boolean;
  readonly spa: string | undefined;
  readonly cleanUrls: boolean;
  readonly errorPage: string | undefined;
  /** From the config file only. */
  readonly cacheControlRules: readonly CacheControlRule[];
  readonly headerRules: readonly HeaderRule[];
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly tlsPassphraseFile: string | undefined;
  readonly tlsSelfSigned: boolean;
  readonly tlsMinVersion: 'TLSv1.2' | 'TLSv1.3';
  readonly tlsClientCa: string | undefined;
  readonly tlsClientAuth: 'optional' | 'required';
  readonly hsts: number;
  readonly redirectHttp: number | undefined;
  readonly publicHost: string | undefined;
  readonly adminPort: number | undefined;
  readonly adminHost: string;
  readonly cache: boolean;
  readonly cacheSize: number;
  readonly cacheTtl: number;
  readonly workerTimeout: number;
  readonly maxConnections: number;
  readonly maxQueue: number;
  readonly headerTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly maxHeaderSize: number;
  readonly sendTimeout: number;
  readonly gracePeriod: number;
}

export function toFlagName(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => '-' + letter.toLowerCase());
}
