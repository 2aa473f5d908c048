// mTLS: the principal a verified client certificate stands for. Its subject CN becomes the user
// name, so a rule allows it with `user:CN`.

import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { Principal } from '../auth/rules';

/** The TLS connection a request arrived on (HTTP/1.1 or HTTP/2), or undefined on plain HTTP. */
export function tlsSocketOf(req: IncomingMessage | Http2ServerRequest): TLSSocket | undefined {
  const h2 = (req as Http2ServerRequest).stream?.session?.socket;
  const socket = (h2 ?? req.socket) as Partial<TLSSocket> | undefined;
  return socket?.encrypted === true ? (socket as TLSSocket) : undefined;
}

/**
 * SECURITY: only a certificate that verified against --tls-client-ca counts (`authorized`), and
 * only a subject with exactly one non-empty CN: a certificate with two CNs is nobody.
 */
export function certificatePrincipal(req: IncomingMessage | Http2ServerRequest): Principal | undefined {
  const socket = tlsSocketOf(req);
  if (socket === undefined || !socket.authorized) return undefined;
  // One lookup per connection: its certificate cannot change (renegotiation is off).
  if (principals.has(socket)) return principals.get(socket);
  const commonName: unknown = socket.getPeerCertificate()?.subject?.CN;
  const principal = typeof commonName === 'string' && commonName !== '' ? { name: commonName, roles: [] } : undefined;
  principals.set(socket, principal);
  return principal;
}

const principals = new WeakMap<TLSSocket, Principal | undefined>();

/** A presented certificate that failed verification (under `optional`, such clients are turned away). */
export function hasUnverifiedCertificate(socket: TLSSocket): boolean {
  if (socket.authorized) return false;
  const certificate = socket.getPeerCertificate();
  return certificate !== null && Object.keys(certificate).length > 0;
}
