// winston factory: an access log (stdout; combined log format or JSON) and an application log
// (info to stdout, warnings and errors to stderr). `--quiet` turns the access log off entirely,
// so no per-request work is done; `--debug` adds redacted header dumps.

import { Writable } from 'node:stream';
import winston from 'winston';
import Transport from 'winston-transport';

export interface AccessEntry {
  readonly remoteAddress: string;
  /** Authenticated principal, or undefined for anonymous requests. */
  readonly user: string | undefined;
  /** Undefined, with target and httpVersion, for requests the HTTP parser refused. */
  readonly method: string | undefined;
  /** Raw request-target as received (escaped when written). */
  readonly target: string | undefined;
  readonly httpVersion: string | undefined;
  readonly status: number;
  /** Body bytes handed to the socket (for a response cut short: until the client left). */
  readonly bytes: number;
  readonly referer: string | undefined;
  readonly userAgent: string | undefined;
  readonly durationMs: number;
  readonly engine: string;
}

export interface Logger {
  /** False under --quiet: callers skip building entries altogether. */
  readonly accessEnabled: boolean;
  readonly debugEnabled: boolean;
  access(entry: AccessEntry): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  close(): Promise<void>;
}

export interface LoggerOptions {
  readonly format: 'combined' | 'json';
  readonly quiet: boolean;
  readonly debug: boolean;
  /** Destinations; default process.stdout / process.stderr. Tests pass their own. */
  readonly stdout?: Writable;
  readonly stderr?: Writable;
}

/** SECURITY: these header values never reach a log, at any level. */
export const REDACTED_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-csrf-token',
]);
export const REDACTED = '[redacted]';

export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (REDACTED_HEADERS.has(lower)) safe[name] = REDACTED;
    // HTTP/2 carries the target in :path, and a page opened through a signed URL sends it as Referer.
    else if ((lower === 'referer' || lower === ':path') && typeof value === 'string') safe[name] = neutraliseControls(redactTarget(value));
    else safe[name] = neutraliseControls(value);
  }
  return safe;
}

/**
 * SECURITY: a signed URL's signature is a bearer credential; logs show `signature=[redacted]`.
 * Parameter names are compared as the server reads them (percent-decoded, any case), so
 * `%73ignature=` or `SIGNATURE=` cannot smuggle a value into the log.
 */
export function redactTarget(target: string | undefined): string | undefined {
  const queryStart = target === undefined ? -1 : target.indexOf('?');
  if (target === undefined || queryStart === -1) return target;
  const pairs = target.slice(queryStart + 1).split('&');
  let changed = false;
  for (let i = 0; i < pairs.length; i++) {
    const equals = pairs[i].indexOf('=');
    const rawName = equals === -1 ? pairs[i] : pairs[i].slice(0, equals);
    if (decodeQueryName(rawName).toLowerCase() === 'signature') {
      pairs[i] = `${rawName}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? target.slice(0, queryStart + 1) + pairs.join('&') : target;
}

function decodeQueryName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * JSON escapes C0 controls but not DEL or the C1 range (U+0080–U+009F), which some terminals
 * obey as escape sequences; write those as visible `\u00XX` text.
 */
function neutraliseFields(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (fields === undefined) return undefined;
  const safe: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) safe[name] = neutraliseControls(value);
  return safe;
}

function neutraliseControls<T>(value: T): T {
  if (typeof value === 'string') {
    return value.replace(/[\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`) as T;
  }
  if (Array.isArray(value)) return value.map(neutraliseControls) as T;
  return value;
}

/** Writes each formatted line to a stream chosen by level; cheaper than winston's Console transport. */
class LineTransport extends Transport {
  constructor(
    private readonly out: Writable,
    private readonly err: Writable,
  ) {
    super();
  }

  override log(info: winston.Logform.TransformableInfo, next: () => void): void {
    const line = (info[Symbol.for('message')] as string) + '\n';
    (info.level === 'error' || info.level === 'warn' ? this.err : this.out).write(line);
    next();
  }
}

/** Lines gathered during one turn of the event loop and written together (or at 64 KiB). */
class LineBatcher {
  private pending = '';
  private scheduled = false;

  constructor(private readonly out: Writable) {}

  push(line: string): void {
    this.pending += line + '\n';
    if (this.pending.length >= BATCH_FLUSH_CHARS) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending === '') return;
    this.out.write(this.pending);
    this.pending = '';
  }
}

const BATCH_FLUSH_CHARS = 64 * 1024;

let isoMs = -1;
let isoText = '';

/** `2026-12-03T17:37:23.721Z`, recomputed once a millisecond at most (busy servers log many per ms). */
function isoTimestamp(now: number): string {
  if (now !== isoMs) {
    isoText = new Date(now).toISOString();
    isoMs = now;
  }
  return isoText;
}

/** The JSON access line: keys sorted, undefined fields left out (as winston's json format writes). */
export function formatJsonAccess(entry: AccessEntry, now = Date.now()): string {
  // Written out rather than JSON.stringify(object, sortedKeys): a third of the cost, same bytes.
  const text = (value: string) => JSON.stringify(neutraliseControls(value));
  let line = `{"bytes":${entry.bytes},"durationMs":${entry.durationMs},"engine":${text(entry.engine)}`;
  if (entry.httpVersion !== undefined) line += `,"httpVersion":${text(entry.httpVersion)}`;
  line += ',"level":"info","message":"access"';
  if (entry.method !== undefined) line += `,"method":${text(entry.method)}`;
  if (entry.referer !== undefined) line += `,"referer":${text(entry.referer)}`;
  line += `,"remoteAddress":${text(entry.remoteAddress)},"status":${entry.status}`;
  if (entry.target !== undefined) line += `,"target":${text(entry.target)}`;
  line += `,"timestamp":"${isoTimestamp(now)}"`;
  if (entry.user !== undefined) line += `,"user":${text(entry.user)}`;
  if (entry.userAgent !== undefined) line += `,"userAgent":${text(entry.userAgent)}`;
  return line + '}';
}

export function createLogger(options: LoggerOptions): Logger {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const json = options.format === 'json';

  const appFormat = json
    ? winston.format.combine(winston.format.timestamp(), winston.format.json())
    : winston.format.combine(
        winston.format.timestamp(),
        winston.format.printf(({ timestamp, level, message, ...fields }) => {
          const extra = Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields) : '';
          return `${String(timestamp)} ${level} ${String(message)}${extra}`;
        }),
      );
  const app = winston.createLogger({
    level: options.debug ? 'debug' : 'info',
    format: appFormat,
    transports: [new LineTransport(stdout, stderr)],
  });

  // Access lines skip winston: its stream pipeline costs ~5 µs a line (15 µs as JSON) and one
  // write per line, a fifth of what a cached answer costs. They are formatted here and written
  // in batches, once per turn of the event loop (nginx's `access_log … buffer=`).
  const accessLines = options.quiet ? undefined : new LineBatcher(stdout);

  return {
    accessEnabled: !options.quiet,
    debugEnabled: options.debug,
    access(entry) {
      accessLines?.push(json ? formatJsonAccess(entry) : formatCombined(entry));
    },
    // Field values can come from the client (user names, paths): DEL and C1 become visible text.
    debug: (message, fields) => app.debug(message, neutraliseFields(fields)),
    info: (message, fields) => app.info(message, neutraliseFields(fields)),
    warn: (message, fields) => app.warn(message, neutraliseFields(fields)),
    error: (message, fields) => app.error(message, neutraliseFields(fields)),
    // Ends both loggers and waits until every queued line has reached its stream, so lines
    // written just before exit (shutdown, responses cut by the grace period) are not lost.
    close: async () => {
      accessLines?.flush();
      await new Promise<void>((resolve) => {
        app.once('finish', () => resolve());
        app.end();
      });
    },
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let clfSecond = -1;
let clfText = '';

/** `10/Oct/2000:13:55:36 +0000`, recomputed once a second at most. */
function clfTimestamp(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== clfSecond) {
    const d = new Date(second * 1000);
    const pad = (n: number) => String(n).padStart(2, '0');
    clfText =
      `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
    clfSecond = second;
  }
  return clfText;
}

/** Escapes quotes, backslashes and control bytes as nginx does (\xHH), so a line is one line. */
export function escapeLogField(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\uffff"\\]/g, (char) => {
    const code = char.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** Combined Log Format plus duration and engine: `... "referer" "agent" 0.4ms async`. */
export function formatCombined(entry: AccessEntry, now = Date.now()): string {
  return (
    `${entry.remoteAddress} - ${entry.user === undefined ? '-' : escapeLogField(entry.user)} [${clfTimestamp(now)}] ` +
    (entry.method === undefined
      ? '"-" '
      : `"${escapeLogField(entry.method)} ${escapeLogField(entry.target ?? '-')} HTTP/${entry.httpVersion ?? '-'}" `) +
    `${entry.status} ${entry.bytes} ` +
    `"${entry.referer === undefined ? '-' : escapeLogField(entry.referer)}" ` +
    `"${entry.userAgent === undefined ? '-' : escapeLogField(entry.userAgent)}" ` +
    `${entry.durationMs.toFixed(1)}ms ${entry.engine}`
  );
}
