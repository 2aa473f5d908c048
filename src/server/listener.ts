// Creates the listening server with the timeouts an exposed server needs: node:http for plain
// HTTP, or node:http2's secure server (HTTP/2 by ALPN, HTTP/1.1 on the same port) for HTTPS. Answers
// what Node's HTTP/1 parser rejects or routes elsewhere: malformed requests, CONNECT.

import http, { STATUS_CODES } from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { hasUnverifiedCertificate } from '../tls/client-certificate';
import type { Metrics } from './metrics';
import type { Logger } from '../log/logger';
import { ERROR_CODES, ErrorCode } from '../errors/codes';
import { ALLOWED_METHODS } from '../pipeline/context';
import { ERROR_PAGE_CSP } from '../pipeline/errors';
import type { RequestHandler } from '../pipeline';


/** Concurrent streams one HTTP/2 connection may open (nginx's http2_max_concurrent_streams). */
export const MAX_CONCURRENT_STREAMS = 128;

export interface TlsListenerOptions {
  readonly context: tls.SecureContextOptions;
  /** With a client CA in the context: turn away clients without a valid certificate, or only those with an invalid one. */
  readonly clientAuth: 'optional' | 'required' | undefined;
}

export interface ListenerOptions {
  /** A response whose client reads nothing for this long is cut (nginx's send_timeout). */
  readonly sendTimeoutMs: number;
  /** Connections at once; Node closes further ones as they arrive. */
  readonly maxConnections: number;
  /** A request head (and, over TLS, the handshake) must arrive within this (slowloris). */
  readonly headerTimeoutMs: number;
  /** A whole request must arrive within this. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection closes after this. */
  readonly keepAliveTimeoutMs: number;
  /** Request head size limit in bytes (431 past it). */
  readonly maxHeaderSize: number;
  readonly metrics?: Metrics;
  /** Serve HTTPS (HTTP/2 and HTTP/1.1) instead of plain HTTP/1.1. */
  readonly tls?: TlsListenerOptions;
}

/** The listening server and what graceful shutdown and certificate reload need of it. */
export interface Listener {
  readonly server: net.Server;
  readonly secure: boolean;
  /** Closes connections with no response under way; HTTP/2 connections get a GOAWAY and finish their streams. */
  closeIdleConnections(): void;
  closeAllConnections(): void;
  /**
   * Resolves once every connection accepted so far has emitted 'close', after its responses did
   * (so their access lines are written): what shutdown waits for before the logger closes.
   */
  allClosed(): Promise<void>;
  /** HTTPS only: new connections use this context; open ones keep theirs. */
  setSecureContext(context: tls.SecureContextOptions): void;
}

function http1Timeouts(options: ListenerOptions) {
  return {
    headersTimeout: options.headerTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    // How often Node checks the two timeouts above; its default of 30 s lets a slow client linger.
    connectionsCheckingInterval: 1_000,
  };
}

export function createListener(handler: RequestHandler, logger: Logger, engineMode: string, options: ListenerOptions): Listener {
  if (options.tls !== undefined) return createSecureListener(handler, logger, engineMode, options, options.tls);
  // The guard stage checks Host itself (missing, duplicate, malformed) with our error body.
  const server = http.createServer({ requireHostHeader: false, maxHeaderSize: options.maxHeaderSize, ...http1Timeouts(options) }, handler);
  configureHttp1(server, handler, logger, engineMode, options);
  return {
    server,
    secure: false,
    closeIdleConnections: () => server.closeIdleConnections(),
    closeAllConnections: () => server.closeAllConnections(),
    allClosed: trackConnections(server),
    setSecureContext: () => {
      throw new Error('not an HTTPS listener');
    },
  };
}

/**
 * HTTPS: node:http2's secure server, which hands connections that negotiate `http/1.1` (or no
 * ALPN) to the same HTTP/1 machinery as the plain listener. Both reach `handler`: HTTP/2 requests
 * through the compatibility API, whose request and response offer what the pipeline uses.
 */
function createSecureListener(
  handler: RequestHandler,
  logger: Logger,
  engineMode: string,
  options: ListenerOptions,
  tlsOptions: TlsListenerOptions,
): Listener {
  const requestCert = tlsOptions.clientAuth !== undefined;
  const server = http2.createSecureServer(
    {
      ...tlsOptions.context,
      allowHTTP1: true,
      // A connection that never completes its handshake is cut as a slow request head is (Node: 120 s).
      handshakeTimeout: options.headerTimeoutMs,
      requestCert,
      rejectUnauthorized: tlsOptions.clientAuth === 'required',
      settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, maxHeaderListSize: options.maxHeaderSize },
    },
    handler as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  // The HTTP/1 side reads its timeouts from these properties.
  Object.assign(server, http1Timeouts(options), { maxHeaderSize: options.maxHeaderSize });
  configureHttp1(server as unknown as http.Server, handler, logger, engineMode, options);

  // Every TCP connection, handshake done or not: what a forced close must reach.
  const connections = new Set<net.Socket>();
  server.on('connection', (connection: net.Socket) => {
    connections.add(connection);
    connection.once('close', () => connections.delete(connection));
  });
  const allClosed = trackConnections(server);
  const sockets = new Set<tls.TLSSocket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    // `optional` lets clients without a certificate in; one that presents a certificate the CA
    // did not sign is turned away, as Caddy's verify_if_given does.
    if (tlsOptions.clientAuth === 'optional' && hasUnverifiedCertificate(socket)) {
      logger.debug('client certificate refused', { address: socket.remoteAddress, reason: String(socket.authorizationError) });
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
    if (logger.debugEnabled) logger.debug('TLS handshake failed', { address: socket.remoteAddress, reason: error.code ?? error.message });
    socket.destroy();
  });
  return {
    server,
    secure: true,
    closeIdleConnections() {
      for (const session of sessions) if (!session.closed) session.close();
      for (const socket of sockets) if (socket.alpnProtocol !== 'h2' && !hasResponseInFlight(socket)) socket.destroy();
    },
    closeAllConnections() {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      for (const connection of connections) connection.destroy();
    },
    allClosed,
    setSecureContext: (context) => server.setSecureContext(context),
  };
}

/**
 * Counts open connections; the returned function resolves when none is left. Listeners added
 * here run after Node's own (added when the server was made), which end the responses first.
 */
function trackConnections(server: net.Server): () => Promise<void> {
  let open = 0;
  let waiting: (() => void)[] = [];
  server.on('connection', (socket: net.Socket) => {
    open++;
    socket.once('close', () => {
      if (--open > 0) return;
      for (const wake of waiting) wake();
      waiting = [];
    });
  });
  return () => (open === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve)));
}

/** What both listeners share for HTTP/1 connections: timeouts, expectations, raw error answers. */
function configureHttp1(server: http.Server, handler: RequestHandler, logger: Logger, engineMode: string, options: ListenerOptions): void {
  server.maxConnections = options.maxConnections;
  // Socket inactivity in either direction, once a request is under way: a client that stops
  // reading a large body no longer holds its descriptor and buffers forever. With no 'timeout'
  // listener, Node destroys the socket.
  server.setTimeout(options.sendTimeoutMs);
  // Expect: 100-continue and other expectations reach the pipeline, which answers with a final
  // status (and closes, since such requests carry a body) instead of Node's automatic 100 or 417.
  server.on('checkContinue', handler);
  server.on('checkExpectation', handler);
  // A client that half-closes after its request (`nc -N`, shutdown(SHUT_WR)) still gets its answer
  // (RFC 9112 §9.6); Node's default would abort the request on the client's FIN.
  (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  /** Writes the answer and, as for every request, one access line. */
  const answer = (socket: Duplex, code: ErrorCode, extraHeaders: Record<string, string>, request?: http.IncomingMessage) => {
    const remoteAddress = (socket as net.Socket).remoteAddress ?? '-';
    const bytes = writeRawResponse(socket, code, extraHeaders);
    if (!logger.accessEnabled) return;
    logger.access({
      remoteAddress,
      user: undefined,
      method: request?.method,
      target: request?.url,
      httpVersion: request?.httpVersion,
      status: ERROR_CODES[code].status,
      bytes,
      referer: request?.headers.referer,
      userAgent: request?.headers['user-agent'],
      durationMs: 0,
      engine: engineMode,
    });
  };
  // The client's address is cached on the socket now: once a client resets the connection,
  // Node can no longer tell, and the access line would say "-".
  const metrics = options.metrics;
  server.on('connection', (socket: net.Socket) => {
    void socket.remoteAddress;
    if (metrics === undefined) return;
    metrics.connectionOpened();
    socket.once('close', () => metrics.connectionClosed());
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // Data after a request that asked to close the connection: the answers already under way
    // end with Connection: close, which closes the connection. Nothing more to say.
    if (error.code === 'HPE_CLOSED_CONNECTION') return;
    afterResponsesInFlight(socket, () => answer(socket, codeForClientError(error.code), {}));
  });
  server.on('connect', (request: http.IncomingMessage, socket: Duplex) => {
    // HTTP/2 CONNECT is a stream like any other, with a response object in `socket`'s place:
    // the pipeline's guard answers it (405).
    if (request.httpVersionMajor === 2) {
      handler(request, socket as unknown as http.ServerResponse);
      return;
    }
    // Node has already detached the connection from HTTP (its drain and timeout handlers are
    // gone), so a response still being written could never finish: close rather than answer
    // inside or ahead of it.
    if (hasResponseInFlight(socket)) {
      socket.destroy();
      return;
    }
    answer(socket, 'TH_ERR_METHOD_NOT_ALLOWED', { Allow: ALLOWED_METHODS }, request);
  });
}

/**
 * Runs `write` once the responses to earlier requests on this connection are complete, so a raw
 * answer never lands inside, or ahead of, another response's bytes.
 */
function afterResponsesInFlight(socket: Duplex, write: () => void): void {
  if (socket.destroyed) return;
  if (!hasResponseInFlight(socket)) {
    write();
    return;
  }
  const current = (socket as SocketWithResponse)._httpMessage!;
  // Node hands the connection to the next queued response when this one finishes.
  current.once('finish', () => setImmediate(() => afterResponsesInFlight(socket, write)));
}

type SocketWithResponse = Duplex & { _httpMessage?: http.ServerResponse | null };

/** True while a response (to an earlier request on this connection) owns the socket. */
function hasResponseInFlight(socket: Duplex): boolean {
  const current = (socket as SocketWithResponse)._httpMessage;
  return current !== undefined && current !== null;
}

/** Maps llhttp and timeout errors to a catalogue code; anything the parser refuses is the client's fault. */
function codeForClientError(code: string | undefined): ErrorCode {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'TH_ERR_HEADERS_TOO_LARGE';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'TH_ERR_REQUEST_TIMEOUT';
    default:
      return 'TH_ERR_REQUEST_MALFORMED';
  }
}

/**
 * Writes a whole response by hand: there is no ServerResponse for a request llhttp refused
 * (garbage request line, Content-Length with Transfer-Encoding, oversized headers), for a timeout,
 * or for CONNECT. The client gets a real answer with a Date, then the connection closes.
 * Returns the body bytes written.
 */
function writeRawResponse(socket: Duplex, code: ErrorCode, extraHeaders: Record<string, string>): number {
  const { status, message } = ERROR_CODES[code];
  const body = `${message}\n`;
  let head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    `Date: ${new Date().toUTCString()}\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'X-Content-Type-Options: nosniff\r\n' +
    `Content-Security-Policy: ${ERROR_PAGE_CSP}\r\n` +
    'Connection: close\r\n';
  for (const [name, value] of Object.entries(extraHeaders)) head += `${name}: ${value}\r\n`;
  socket.end(head + '\r\n' + body);
  // A client that never reads must not hold the socket open.
  setTimeout(() => socket.destroy(), 1_000).unref();
  return Buffer.byteLength(body);
}
