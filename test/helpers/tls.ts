// TLS for behaviour tests: a CA, server and client certificates made at run time (no keys in the
// repo), written to a temp dir, and HTTPS clients over HTTP/1.1 (node:https) and HTTP/2 (node:http2).

import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { issueCertificate, IssuedCertificate } from '../../src/tls/certificates';

export interface TlsFixture {
  readonly dir: string;
  readonly ca: IssuedCertificate;
  /** Server certificates for localhost / 127.0.0.1, signed by `ca`. */
  readonly server: IssuedCertificate;
  readonly server2: IssuedCertificate;
  /** Client certificates signed by `ca` (CN alice, bob) and by an unrelated CA (CN alice). */
  readonly alice: IssuedCertificate;
  readonly bob: IssuedCertificate;
  readonly impostor: IssuedCertificate;
  /** Writes a PEM into the fixture dir (mode 600) and returns its path. */
  write(name: string, content: string): string;
  remove(): void;
}

export async function createTlsFixture(): Promise<TlsFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-tls-'));
  const ca = await issueCertificate({ commonName: 'tinyhttp test CA', usage: 'ca' });
  const otherCa = await issueCertificate({ commonName: 'someone else CA', usage: 'ca' });
  const serverCert = () =>
    issueCertificate({ commonName: 'localhost', usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], issuer: ca });
  const [server, server2, alice, bob, impostor] = await Promise.all([
    serverCert(),
    serverCert(),
    issueCertificate({ commonName: 'alice', usage: 'client', issuer: ca }),
    issueCertificate({ commonName: 'bob', usage: 'client', issuer: ca }),
    issueCertificate({ commonName: 'alice', usage: 'client', issuer: otherCa }),
  ]);
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    return file;
  };
  return { dir, ca, server, server2, alice, bob, impostor, write, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface TlsResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly text: string;
  /** ALPN result: 'h2' or 'http/1.1'. */
  readonly protocol: string;
  /** The server certificate's SHA-256 fingerprint. */
  readonly fingerprint: string;
}

export interface ClientIdentity {
  /** Trust this CA (default: accept any certificate, for self-signed servers). */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** One request over HTTP/1.1 on a fresh TLS connection (or the given keep-alive agent). */
export function https1(
  baseUrl: string,
  target: string,
  options: ClientIdentity & { method?: string; headers?: Record<string, string>; agent?: https.Agent } = {},
): Promise<TlsResponse & { socket: TLSSocket }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: hostname,
        port,
        path: target,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        rejectUnauthorized: options.ca !== undefined,
        servername: 'localhost',
        ALPNProtocols: ['http/1.1'],
      } as https.RequestOptions,
      (res) => {
        const chunks: Buffer[] = [];
        const socket = res.socket as TLSSocket;
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString('utf8'),
            protocol: String(socket.alpnProtocol),
            fingerprint: socket.getPeerCertificate().fingerprint256,
            socket,
          });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout for ${target}`)));
    req.on('error', reject);
    req.end();
  });
}

const fingerprints = new WeakMap<http2.ClientHttp2Session, string>();

/** Opens an HTTP/2 session; close it with `session.close()`. */
export function h2Connect(baseUrl: string, identity: ClientIdentity = {}): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(baseUrl, {
      ca: identity.ca,
      cert: identity.cert,
      key: identity.key,
      rejectUnauthorized: identity.ca !== undefined,
      servername: 'localhost',
    });
    session.once('connect', () => {
      // Kept now: a server that refuses the client certificate after a TLS 1.3 handshake closes
      // the connection right after 'connect'.
      fingerprints.set(session, (session.socket as TLSSocket).getPeerCertificate().fingerprint256);
      resolve(session);
    });
    session.once('error', reject);
  });
}

/** One request on an HTTP/2 session; `headers` may set pseudo-headers such as :method or :authority. */
export function h2Request(session: http2.ClientHttp2Session, target: string, headers: Record<string, string> = {}): Promise<TlsResponse> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': target, ...headers });
    const chunks: Buffer[] = [];
    let responseHeaders: http2.IncomingHttpHeaders = {};
    stream.on('response', (received) => (responseHeaders = received));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      if (responseHeaders[':status'] === undefined) {
        reject(new Error(`stream for ${target} ended without a response`));
        return;
      }
      resolve({
        status: Number(responseHeaders[':status']),
        headers: responseHeaders,
        body,
        text: body.toString('utf8'),
        protocol: String(session.alpnProtocol),
        fingerprint: fingerprints.get(session) ?? '',
      });
    });
    stream.on('close', () => reject(new Error(`stream for ${target} closed (code ${stream.rstCode})`)));
    stream.on('error', reject);
    stream.setTimeout(10_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    stream.end();
  });
}

/** A single HTTP/2 request on its own session. */
export async function h2Get(baseUrl: string, target: string, headers: Record<string, string> = {}, identity: ClientIdentity = {}): Promise<TlsResponse> {
  const session = await h2Connect(baseUrl, identity);
  try {
    return await h2Request(session, target, headers);
  } finally {
    session.close();
  }
}
