// HTTPS in both engines: HTTP/2 by ALPN and HTTP/1.1 on the same port, the plain server's
// behaviours over HTTP/2, protocol and cipher floor, HSTS, mTLS principals in rules, certificate
// reload under an open connection, the redirect listener and --tls-self-signed. Every certificate
// is made at run time by helpers/tls.ts.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { createFixtures, Fixtures } from '../helpers/fixtures';
import { parseResponses, rawExchange, request } from '../helpers/http-client';
import { MODES, startTestServer, TestServer } from '../helpers/start-server';
import { createTlsFixture, h2Connect, h2Get, h2Request, https1, TlsFixture } from '../helpers/tls';
import { basic, createAuthFixtures, AuthFixtures, PROTECTED_TEXT } from '../helpers/auth-fixtures';

let fixtures: Fixtures;
let pki: TlsFixture;
let auth: AuthFixtures;
let certFile: string;
let keyFile: string;
let caFile: string;
let mtlsRulesFile: string;

beforeAll(async () => {
  fixtures = createFixtures();
  pki = await createTlsFixture();
  auth = await createAuthFixtures(fixtures.root, pki.dir);
  certFile = pki.write('server.crt', pki.server.certPem);
  keyFile = pki.write('server.key', pki.server.keyPem);
  caFile = pki.write('clients-ca.crt', pki.ca.certPem);
  mtlsRulesFile = pki.write(
    'mtls-rules.json',
    JSON.stringify([
      { path: '/private/**', allow: ['user:alice'] },
      { path: '/**', allow: ['*'] },
    ]),
  );
});
afterAll(() => {
  fixtures.remove();
  pki.remove();
});

const trust = () => ({ ca: pki.ca.certPem });

/** Connects with a raw TLS client; resolves the negotiated protocol or rejects with the handshake error. */
function handshake(url: string, options: tls.ConnectionOptions): Promise<{ protocol: string | null; cipher: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), servername: 'localhost', ca: pki.ca.certPem, ...options }, () => {
      const result = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
      socket.end();
      resolve(result);
    });
    socket.once('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('handshake timeout')));
  });
}

/** A client that offers only TLS 1.0 and 1.1 (OpenSSL 3 needs security level 0 for them). */
const LEGACY_CLIENT: tls.ConnectionOptions = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' };

describe.each(MODES)('%s engine over HTTPS', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(fixtures.root, mode, { options: { tlsCert: certFile, tlsKey: keyFile } });
  });
  afterAll(() => server.close());

  test('the URL is https and HTTP/1.1 clients get the file', async () => {
    expect(server.url.startsWith('https://')).toBe(true);
    const res = await https1(server.url, '/hello.txt', trust());
    expect(res.protocol).toBe('http/1.1');
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello world\n');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.fingerprint).toBe(pki.server.fingerprint256);
    // No --hsts: no Strict-Transport-Security.
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  test('HTTP/2 clients get the same file, headers and bytes (small and streamed)', async () => {
    const session = await h2Connect(server.url, trust());
    try {
      const small = await h2Request(session, '/hello.txt');
      expect(small.protocol).toBe('h2');
      expect(small.status).toBe(200);
      expect(small.text).toBe('hello world\n');
      expect(small.headers['content-length']).toBe('12');
      expect(small.headers['x-content-type-options']).toBe('nosniff');
      expect(small.headers.etag).toMatch(/^"/);
      const big = await h2Request(session, '/big.bin');
      expect(big.status).toBe(200);
      expect(big.body.equals(fixtures.bigBytes)).toBe(true);
      const head = await h2Request(session, '/big.bin', { ':method': 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String(fixtures.bigBytes.length));
      expect(head.body.length).toBe(0);
    } finally {
      session.close();
    }
  });

  test('ranges over HTTP/2: single and multipart, from the streamed file', async () => {
    const single = await h2Get(server.url, '/big.bin', { range: 'bytes=1000-1999' }, trust());
    expect(single.status).toBe(206);
    expect(single.headers['content-range']).toBe(`bytes 1000-1999/${fixtures.bigBytes.length}`);
    expect(single.body.equals(fixtures.bigBytes.subarray(1000, 2000))).toBe(true);
    const multi = await h2Get(server.url, '/hello.txt', { range: 'bytes=0-0,6-10' }, trust());
    expect(multi.status).toBe(206);
    expect(String(multi.headers['content-type'])).toMatch(/^multipart\/byteranges; boundary=/);
    expect(multi.text).toContain('Content-Range: bytes 6-10/12\r\n\r\nworld\r\n');
    expect(Number(multi.headers['content-length'])).toBe(multi.body.length);
  });

  test('conditional requests over HTTP/2: If-None-Match → 304, If-Match mismatch → 412', async () => {
    const first = await h2Get(server.url, '/hello.txt', {}, trust());
    const etag = String(first.headers.etag);
    const notModified = await h2Get(server.url, '/hello.txt', { 'if-none-match': etag }, trust());
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    expect(notModified.headers.etag).toBe(etag);
    const failed = await h2Get(server.url, '/hello.txt', { 'if-match': '"other"' }, trust());
    expect(failed.status).toBe(412);
  });

  test('listings, the trailing-slash redirect and errors over HTTP/2', async () => {
    const listing = await h2Get(server.url, '/docs/', {}, trust());
    expect(listing.status).toBe(200);
    expect(listing.text).toContain('readme.txt');
    expect(listing.headers['content-security-policy']).toBeDefined();
    const redirect = await h2Get(server.url, '/docs', {}, trust());
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/docs/');
    const missing = await h2Get(server.url, '/nope.txt', {}, trust());
    expect(missing.status).toBe(404);
    const hidden = await h2Get(server.url, '/.hidden.txt', {}, trust());
    expect(hidden.status).toBe(404);
    const escape = await h2Get(server.url, '/%2e%2e/outside/secret.txt', {}, trust());
    expect(escape.status).toBe(404);
    const nul = await h2Get(server.url, '/a%00b', {}, trust());
    expect(nul.status).toBe(400);
    const post = await h2Get(server.url, '/hello.txt', { ':method': 'POST' }, trust());
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  test('HTTP/2 :authority must be a valid host and agree with a Host field', async () => {
    // nghttp2 itself resets a stream whose :authority has a space; one it lets through, we refuse.
    for (const authority of ['bad host', 'a@b', 'x/y']) {
      const bad = await h2Get(server.url, '/hello.txt', { ':authority': authority }, trust()).catch(() => ({ status: 'reset' }));
      expect([400, 'reset']).toContain(bad.status);
    }
    const mismatch = await h2Get(server.url, '/hello.txt', { ':authority': 'localhost', host: 'other.example' }, trust());
    expect(mismatch.status).toBe(400);
    const agreeing = await h2Get(server.url, '/hello.txt', { ':authority': 'localhost', host: 'LOCALHOST' }, trust());
    expect(agreeing.status).toBe(200);
  });

  test('TLS 1.1 and older are refused; the same client reaches a server that allows them', async () => {
    await expect(handshake(server.url, LEGACY_CLIENT)).rejects.toThrow();
    // Control: this client really can speak TLS 1.1, so the refusal above is the server's doing.
    const legacy = tls.createServer({ cert: pki.server.certPem, key: pki.server.keyPem, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    await new Promise<void>((resolve) => legacy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (legacy.address() as { port: number }).port;
      await expect(handshake(`https://127.0.0.1:${port}`, LEGACY_CLIENT)).resolves.toMatchObject({ protocol: 'TLSv1.1' });
    } finally {
      legacy.close();
    }
  });

  test('TLS 1.2 gets a forward-secret AEAD suite; CBC suites are refused', async () => {
    const tls12 = await handshake(server.url, { maxVersion: 'TLSv1.2' });
    expect(tls12.protocol).toBe('TLSv1.2');
    expect(tls12.cipher).toMatch(/^ECDHE-ECDSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/);
    await expect(handshake(server.url, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384' })).rejects.toThrow();
    expect((await handshake(server.url, {})).protocol).toBe('TLSv1.3');
  });

  test('a client cannot renegotiate', async () => {
    const { hostname, port } = new URL(server.url);
    const socket = tls.connect({ host: hostname, port: Number(port), servername: 'localhost', ca: pki.ca.certPem, maxVersion: 'TLSv1.2' });
    await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const outcome = await new Promise<string>((resolve) => {
      socket.once('error', () => resolve('error'));
      socket.once('close', () => resolve('closed'));
      const started = socket.renegotiate({}, (error) => resolve(error ? 'refused' : 'renegotiated'));
      if (!started) resolve('refused');
    });
    socket.destroy();
    expect(outcome).not.toBe('renegotiated');
  });

  test('Basic auth works over HTTP/2 (challenge, then the protected file)', async () => {
    const protectedServer = await startTestServer(fixtures.root, mode, {
      options: { tlsCert: certFile, tlsKey: keyFile, authUsers: auth.usersFile, authRules: auth.rulesFile },
    });
    try {
      const anonymous = await h2Get(protectedServer.url, '/private/secret.txt', {}, trust());
      expect(anonymous.status).toBe(401);
      expect(String(anonymous.headers['www-authenticate'])).toContain('Basic realm=');
      expect(anonymous.text).not.toContain(PROTECTED_TEXT);
      const alice = await h2Get(protectedServer.url, '/private/secret.txt', { authorization: basic('alice', auth.alicePassword) }, trust());
      expect(alice.status).toBe(200);
      expect(alice.text).toBe(PROTECTED_TEXT);
    } finally {
      await protectedServer.close();
    }
  });
});

describe.each(MODES)('%s engine: HSTS, minimum version, access log', (mode) => {
  test('--hsts adds Strict-Transport-Security to every HTTPS answer, errors included', async () => {
    const server = await startTestServer(fixtures.root, mode, { options: { tlsCert: certFile, tlsKey: keyFile, hsts: '31536000' } });
    try {
      for (const target of ['/hello.txt', '/nope.txt', '/a%00b']) {
        const h1 = await https1(server.url, target, trust());
        expect(h1.headers['strict-transport-security']).toBe('max-age=31536000');
        const h2 = await h2Get(server.url, target, {}, trust());
        expect(h2.headers['strict-transport-security']).toBe('max-age=31536000');
      }
    } finally {
      await server.close();
    }
  });

  test('--tls-min-version TLSv1.3 refuses TLS 1.2', async () => {
    const server = await startTestServer(fixtures.root, mode, { options: { tlsCert: certFile, tlsKey: keyFile, tlsMinVersion: 'TLSv1.3' } });
    try {
      await expect(handshake(server.url, { maxVersion: 'TLSv1.2' })).rejects.toThrow();
      expect((await handshake(server.url, {})).protocol).toBe('TLSv1.3');
    } finally {
      await server.close();
    }
  });

  test('--debug redacts signatures in HTTP/2 :path as it does in targets', async () => {
    const server = await startTestServer(fixtures.root, mode, {
      options: { tlsCert: certFile, tlsKey: keyFile, signingKeyFile: auth.keyFile, debug: true, quiet: false },
    });
    try {
      await h2Get(server.url, '/private/secret.txt?expires=9999999999&signature=SECRETSIGNATUREVALUE', {}, trust());
      await new Promise((resolve) => setTimeout(resolve, 50));
      const logs = [...server.stdout, ...server.stderr].join('\n');
      expect(logs).toContain('signature=[redacted]');
      expect(logs).not.toContain('SECRETSIGNATUREVALUE');
    } finally {
      await server.close();
    }
  });

  test('HTTP/2 requests are logged with their protocol version', async () => {
    const server = await startTestServer(fixtures.root, mode, { options: { tlsCert: certFile, tlsKey: keyFile, quiet: false } });
    try {
      await h2Get(server.url, '/hello.txt', {}, trust());
      await https1(server.url, '/hello.txt', trust());
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.stdout.some((line) => line.includes('"GET /hello.txt HTTP/2.0" 200 12'))).toBe(true);
      expect(server.stdout.some((line) => line.includes('"GET /hello.txt HTTP/1.1" 200 12'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe.each(MODES)('%s engine: client certificates (mTLS)', (mode) => {
  const clientOptions = (who: 'alice' | 'bob' | 'impostor') => ({ ...trust(), cert: pki[who].certPem, key: pki[who].keyPem });

  test('required: no certificate and a certificate from another CA are refused at the handshake', async () => {
    const server = await startTestServer(fixtures.root, mode, {
      options: { tlsCert: certFile, tlsKey: keyFile, tlsClientCa: caFile, tlsClientAuth: 'required', authRules: mtlsRulesFile },
    });
    try {
      await expect(https1(server.url, '/hello.txt', trust())).rejects.toThrow();
      await expect(https1(server.url, '/hello.txt', clientOptions('impostor'))).rejects.toThrow();
      await expect(h2Get(server.url, '/hello.txt', {}, clientOptions('impostor'))).rejects.toThrow();
      const ok = await https1(server.url, '/hello.txt', clientOptions('bob'));
      expect(ok.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  test('the certificate CN is the principal user:CN in rules, over HTTP/1.1 and HTTP/2', async () => {
    const server = await startTestServer(fixtures.root, mode, {
      options: { tlsCert: certFile, tlsKey: keyFile, tlsClientCa: caFile, authRules: mtlsRulesFile, quiet: false },
    });
    try {
      const alice1 = await https1(server.url, '/private/secret.txt', clientOptions('alice'));
      expect(alice1.status).toBe(200);
      expect(alice1.text).toBe(PROTECTED_TEXT);
      const alice2 = await h2Get(server.url, '/private/secret.txt', {}, clientOptions('alice'));
      expect(alice2.status).toBe(200);
      expect(alice2.text).toBe(PROTECTED_TEXT);
      const bob = await h2Get(server.url, '/private/secret.txt', {}, clientOptions('bob'));
      expect(bob.status).toBe(403);
      expect(bob.text).not.toContain(PROTECTED_TEXT);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.stdout.some((line) => / alice \[.*"GET \/private\/secret.txt HTTP\/2.0" 200/.test(line))).toBe(true);
    } finally {
      await server.close();
    }
  });

  test('optional: no certificate is anonymous, an unverified one is turned away', async () => {
    const server = await startTestServer(fixtures.root, mode, {
      options: { tlsCert: certFile, tlsKey: keyFile, tlsClientCa: caFile, tlsClientAuth: 'optional', authRules: mtlsRulesFile },
    });
    try {
      expect((await h2Get(server.url, '/hello.txt', {}, trust())).status).toBe(200);
      const anonymous = await h2Get(server.url, '/private/secret.txt', {}, trust());
      expect(anonymous.status).toBe(403);
      expect(anonymous.text).not.toContain(PROTECTED_TEXT);
      // The impostor's CN is alice too: only verification tells them apart.
      await expect(https1(server.url, '/private/secret.txt', clientOptions('impostor'))).rejects.toThrow();
      await expect(h2Get(server.url, '/private/secret.txt', {}, clientOptions('impostor'))).rejects.toThrow();
      expect((await https1(server.url, '/private/secret.txt', clientOptions('alice'))).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe.each(MODES)('%s engine: certificate reload', (mode) => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(pki.dir, 'reload-'));
  });

  const writePair = (cert: string, key: string) => {
    // As renewal tools do: write beside, then rename into place.
    fs.writeFileSync(path.join(dir, 'next.crt'), cert, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'next.key'), key, { mode: 0o600 });
    fs.renameSync(path.join(dir, 'next.crt'), path.join(dir, 'server.crt'));
    fs.renameSync(path.join(dir, 'next.key'), path.join(dir, 'server.key'));
  };

  test('reload (SIGHUP) swaps the certificate for new connections while a keep-alive connection stays open', async () => {
    writePair(pki.server.certPem, pki.server.keyPem);
    const server = await startTestServer(fixtures.root, mode, {
      options: { tlsCert: path.join(dir, 'server.crt'), tlsKey: path.join(dir, 'server.key') },
    });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await https1(server.url, '/hello.txt', { ...trust(), agent });
      expect(before.fingerprint).toBe(pki.server.fingerprint256);
      writePair(pki.server2.certPem, pki.server2.keyPem);
      server.reload();
      const fresh = await https1(server.url, '/hello.txt', trust());
      expect(fresh.fingerprint).toBe(pki.server2.fingerprint256);
      // The open connection was not dropped: the same socket answers, still with the old certificate.
      const again = await https1(server.url, '/hello.txt', { ...trust(), agent });
      expect(again.socket).toBe(before.socket);
      expect(again.status).toBe(200);
      expect(again.fingerprint).toBe(pki.server.fingerprint256);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  test('a changed certificate file is picked up without a signal; a broken pair keeps the old one', async () => {
    writePair(pki.server.certPem, pki.server.keyPem);
    const server = await startTestServer(fixtures.root, mode, {
      options: { tlsCert: path.join(dir, 'server.crt'), tlsKey: path.join(dir, 'server.key') },
    });
    try {
      writePair(pki.server2.certPem, pki.server2.keyPem);
      const deadline = Date.now() + 8_000;
      let seen = '';
      while (Date.now() < deadline && seen !== pki.server2.fingerprint256) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        seen = (await https1(server.url, '/hello.txt', trust())).fingerprint;
      }
      expect(seen).toBe(pki.server2.fingerprint256);

      // A certificate with someone else's key: refused, logged, and the working pair stays.
      writePair(pki.server.certPem, pki.server2.keyPem);
      const logged = () => server.stderr.some((line) => /keeping the previous certificate: --tls-key does not belong/.test(line));
      for (let waited = 0; waited < 5_000 && !logged(); waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(logged()).toBe(true);
      expect(() => server.reload()).toThrow(/does not belong to the certificate/);
      expect((await h2Get(server.url, '/hello.txt', {}, trust())).fingerprint).toBe(pki.server2.fingerprint256);
      // Key material never reaches the log.
      const logs = [...server.stdout, ...server.stderr].join('\n');
      expect(logs).not.toContain('PRIVATE KEY');
    } finally {
      await server.close();
    }
  });
});

describe.each(MODES)('%s engine: HTTP/2 streams that go away or stall', (mode) => {
  const openDescriptorsOn = (file: string) =>
    fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
      } catch {
        return false;
      }
    }).length;
  const bigFile = () => fs.realpathSync(path.join(fixtures.root, 'big.bin'));

  test('streams reset before their answer leave no descriptor open', async () => {
    const server = await startTestServer(fixtures.root, mode, { options: { tlsCert: certFile, tlsKey: keyFile } });
    const session = await h2Connect(server.url, trust());
    try {
      for (let i = 0; i < 40; i++) {
        const stream = session.request({ ':path': '/big.bin' });
        stream.on('error', () => undefined);
        setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), i % 4);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(openDescriptorsOn(bigFile())).toBe(0);
    } finally {
      session.destroy();
      await server.close();
    }
  });

  // big.bin streams from its descriptor; medium.bin, once cached, from memory.
  test.each(['/big.bin', '/medium.bin'])('a stream whose reader stalls on %s is reset after --send-timeout, even while the connection is busy', async (target) => {
    const server = await startTestServer(fixtures.root, mode, { options: { tlsCert: certFile, tlsKey: keyFile, sendTimeout: '2' } });
    const session = await h2Connect(server.url, trust());
    try {
      if (target === '/medium.bin') expect((await h2Request(session, target)).status).toBe(200); // now cached
      const stalled = session.request({ ':path': target });
      stalled.pause(); // never read: the stream's window fills and stays full
      const closed = new Promise<number>((resolve) => stalled.once('close', () => resolve(stalled.rstCode)));
      stalled.on('error', () => undefined);
      // Keep the connection itself busy with real traffic, so only a per-stream timer can notice.
      const started = Date.now();
      let stalledClosed = false;
      void closed.then(() => (stalledClosed = true));
      let busyAnswers = 0;
      while (!stalledClosed && Date.now() - started < 12_000) {
        if ((await h2Request(session, '/hello.txt')).status === 200) busyAnswers++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(stalledClosed).toBe(true);
      // Between one and two periods of 2 s, with room for a loaded CI machine.
      expect(Date.now() - started).toBeLessThan(9_000);
      expect(await closed).toBe(http2.constants.NGHTTP2_CANCEL);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(openDescriptorsOn(bigFile())).toBe(0);
      // The connection stayed good for the other streams throughout, and still is.
      expect(busyAnswers).toBeGreaterThan(5);
      expect((await h2Request(session, '/hello.txt')).status).toBe(200);
    } finally {
      session.destroy();
      await server.close();
    }
  }, 20_000);
});

describe('handshake timeout', () => {
  test('a connection that never sends a ClientHello is closed within the header timeout (10 s)', async () => {
    const server = await startTestServer(fixtures.root, 'async', { options: { tlsCert: certFile, tlsKey: keyFile } });
    try {
      const started = Date.now();
      const { closedByServer } = await rawExchange(server.port, Buffer.alloc(0), 15_000);
      expect(closedByServer).toBe(true);
      expect(Date.now() - started).toBeLessThan(13_000);
    } finally {
      await server.close();
    }
  }, 20_000);
});

describe('encrypted keys', () => {
  let encryptedKey: string;
  beforeAll(() => {
    encryptedKey = pki.write(
      'encrypted.key',
      require('node:crypto')
        .createPrivateKey(pki.server.keyPem)
        .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse battery' }) as string,
    );
  });

  test.each(MODES)('%s: the passphrase comes from --tls-passphrase-file', async (mode) => {
    const passphraseFile = pki.write('passphrase', 'correct horse battery\n');
    const server = await startTestServer(fixtures.root, mode, {
      options: { tlsCert: certFile, tlsKey: encryptedKey, tlsPassphraseFile: passphraseFile },
    });
    try {
      expect((await h2Get(server.url, '/hello.txt', {}, trust())).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  test('a wrong passphrase stops the start with one line that does not contain it', async () => {
    const passphraseFile = pki.write('wrong-passphrase', 'Tr0ub4dor&3\n');
    const start = startTestServer(fixtures.root, 'async', { options: { tlsCert: certFile, tlsKey: encryptedKey, tlsPassphraseFile: passphraseFile } });
    await expect(start).rejects.toThrow(/passphrase is wrong/);
    await start.catch((error: Error) => expect(error.message).not.toContain('Tr0ub4dor'));
  });

  test('a key that is not PEM and a missing key file are one-line errors', async () => {
    const garbage = pki.write('garbage.key', 'not a key\n');
    await expect(startTestServer(fixtures.root, 'async', { options: { tlsCert: certFile, tlsKey: garbage } })).rejects.toThrow(
      /not valid PEM|cannot be used/,
    );
    await expect(
      startTestServer(fixtures.root, 'async', { options: { tlsCert: certFile, tlsKey: path.join(pki.dir, 'missing.key') } }),
    ).rejects.toThrow(/--tls-key .* cannot be read \(ENOENT\)/);
  });
});

describe.each(MODES)('%s engine: --redirect-http', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(fixtures.root, mode, { options: { tlsCert: certFile, tlsKey: keyFile, redirectHttp: '0', hsts: '600' } });
  });
  afterAll(() => server.close());

  test('answers 308 to the same path and query on the HTTPS port, without HSTS', async () => {
    const res = await request(server.redirectUrl!, '/docs/readme.txt?x=1&y=%20', { headers: { host: `localhost:${new URL(server.redirectUrl!).port}` } });
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe(`https://localhost:${server.port}/docs/readme.txt?x=1&y=%20`);
    expect(res.headers['strict-transport-security']).toBeUndefined();
    const head = await request(server.redirectUrl!, '/a', { method: 'HEAD', headers: { host: 'assets.example.com' } });
    expect(head.status).toBe(308);
    expect(head.headers.location).toBe(`https://assets.example.com:${server.port}/a`);
    expect(head.body.length).toBe(0);
  });

  test('the Location never comes from an unchecked Host or a protocol-relative path', async () => {
    const port = Number(new URL(server.redirectUrl!).port);
    for (const host of ['evil.example@good.example', 'evil.example/x', 'evil.example\\x', '%65vil.example', 'a b', '', 'good.example:99999']) {
      const { data } = await rawExchange(port, `GET /a HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      const [answer] = parseResponses(data);
      expect(answer.status).toBe(400);
      expect(answer.headers.location).toBeUndefined();
    }
    // The redirect listener speaks HTTP/1 only.
    const { data: v2 } = await rawExchange(port, 'GET /a HTTP/2.0\r\nHost: good.example\r\nConnection: close\r\n\r\n');
    expect(parseResponses(v2)[0].status).not.toBe(308);
    // Two Host fields: no guessing which one.
    const { data } = await rawExchange(port, 'GET /a HTTP/1.1\r\nHost: good.example\r\nHost: evil.example\r\nConnection: close\r\n\r\n');
    expect(parseResponses(data)[0].status).toBe(400);
    const protocolRelative = await request(server.redirectUrl!, '//evil.example/x', { headers: { host: 'good.example' } });
    expect(protocolRelative.headers.location).toBe(`https://good.example:${server.port}/evil.example/x`);
    const climbing = await request(server.redirectUrl!, '/../../etc/passwd', { headers: { host: 'good.example' } });
    expect(climbing.status).toBe(404);
    expect(climbing.headers.location).toBeUndefined();
  });

  test('--public-host wins over the request Host', async () => {
    const pinned = await startTestServer(fixtures.root, mode, {
      options: { tlsCert: certFile, tlsKey: keyFile, redirectHttp: '0', publicHost: 'assets.example.com' },
    });
    try {
      const res = await request(pinned.redirectUrl!, '/x/', { headers: { host: 'evil.example' } });
      expect(res.headers.location).toBe(`https://assets.example.com:${pinned.port}/x/`);
    } finally {
      await pinned.close();
    }
  });
});

describe('--tls-self-signed', () => {
  test.each(MODES)('%s: serves HTTPS with a fresh certificate for localhost', async (mode) => {
    const server = await startTestServer(fixtures.root, mode, { options: { tlsSelfSigned: true } });
    try {
      const res = await h2Get(server.url, '/hello.txt');
      expect(res.status).toBe(200);
      expect(res.fingerprint).toBe(server.selfSignedFingerprint);
    } finally {
      await server.close();
    }
  });

  test('the start-up line says it is not for production and prints the fingerprint clients see', async () => {
    const binary = path.resolve(__dirname, '../../dist/src/bin/tinyhttp.js');
    const child = spawn(process.execPath, [binary, '--tls-self-signed', '--port', '0', fixtures.root], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no start-up line: ${out}`)), 10_000);
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const found = out.split('\n').find((text) => text.includes(' serving '));
          if (found !== undefined) {
            clearTimeout(timer);
            resolve(found);
          }
        });
      });
      expect(line).toMatch(/not for production/);
      const url = / at (https:\/\/\S+?)\/ /.exec(line)![1];
      const fingerprint = /SHA-256 ([0-9A-F:]{95})/.exec(line)![1];
      expect((await https1(url, '/hello.txt')).fingerprint).toBe(fingerprint);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
