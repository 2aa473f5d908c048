// Minimal HTTP clients for behaviour tests: `request` over node:http (the target is sent exactly
// as given, never normalised) and `rawExchange` over net for bytes node:http refuses to send.

import http from 'node:http';
import net from 'node:net';

export interface TestResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
}

export function request(
  baseUrl: string,
  target: string,
  options: { method?: string; headers?: Record<string, string>; agent?: http.Agent } = {},
): Promise<TestResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, path: target, method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout for ${target}`)));
    req.on('error', reject);
    req.end();
  });
}

export interface RawResult {
  /** Everything the server sent before closing (or before the timeout). */
  readonly data: Buffer;
  /** True when the server closed the connection (rather than the timeout firing). */
  readonly closedByServer: boolean;
}

/** Writes raw bytes and collects the reply until the server closes or `timeoutMs` passes. */
export function rawExchange(port: number, payload: string | Buffer, timeoutMs = 3000): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closedByServer });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? finish(true) : reject(error)));
  });
}

export interface ParsedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * Splits a byte stream into HTTP/1.1 responses by Content-Length (the server always sends one).
 * `bodiless[i]` marks responses to HEAD, whose Content-Length describes a body that is not sent.
 */
export function parseResponses(data: Buffer, bodiless: boolean[] = []): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let offset = 0;
  while (offset < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', offset);
    if (headEnd === -1) throw new Error(`incomplete response head: ${JSON.stringify(data.subarray(offset).toString('latin1'))}`);
    const lines = data.subarray(offset, headEnd).toString('latin1').split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const noBody = bodiless[responses.length] === true || status === 204 || status === 304;
    const length = noBody ? 0 : Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    responses.push({ status, headers, body: data.subarray(bodyStart, bodyStart + length) });
    offset = bodyStart + length;
  }
  return responses;
}
