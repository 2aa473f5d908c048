// Authentication and authorization over real sockets, both engines: Basic (scrypt and bcrypt),
// Bearer, signed URLs, rules, the bypass table, lockout, reload, and secrets kept out of logs.

import fs from 'node:fs';
import path from 'node:path';
import { createSignature } from '../../src/auth/signed-url';
import { AuthFixtures, basic, createAuthFixtures, PROTECTED_TEXT } from '../helpers/auth-fixtures';
import { createFixtures, Fixtures } from '../helpers/fixtures';
import { parseResponses, rawExchange, request } from '../helpers/http-client';
import { MODES, startTestServer, TestServer } from '../helpers/start-server';

let fixtures: Fixtures;
let auth: AuthFixtures;
beforeAll(async () => {
  fixtures = createFixtures();
  auth = await createAuthFixtures(fixtures.root, fixtures.base);
});
afterAll(() => fixtures.remove());

const authOptions = () => ({
  authUsers: auth.usersFile,
  authTokens: auth.tokensFile,
  signingKeyFile: auth.keyFile,
  authRules: auth.rulesFile,
  authMaxFailures: '1000',
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

// Every way we know to spell "/private/secret.txt" (or a way into /private) without credentials.
const BYPASSES: [string, string][] = [
  ['plain', '/private/secret.txt'],
  ['encoded slash %2F', '/private%2Fsecret.txt'],
  ['encoded slash %2f', '/private%2fsecret.txt'],
  ['leading encoded slash', '/%2Fprivate/secret.txt'],
  ['double slash', '//private/secret.txt'],
  ['dot segment', '/./private/secret.txt'],
  ['dot segment inside', '/private/./secret.txt'],
  ['dot-dot from public', '/public/../private/secret.txt'],
  ['encoded dot-dot from public', '/public/%2e%2e/private/secret.txt'],
  ['encoded dot-dot with encoded slashes', '/public%2f%2e%2e%2fprivate%2fsecret.txt'],
  ['trailing dot on the directory', '/private%2e/secret.txt'],
  ['upper case', '/PRIVATE/secret.txt'],
  ['path parameter', '/private;x/secret.txt'],
  ['directory dot', '/private/.'],
  ['directory', '/private'],
  ['directory listing', '/private/'],
  ['deeper file', '/private/sub/deep.txt'],
  ['encoded letter', '/%70rivate/secret.txt'],
  ['double-encoded letter', '/%2570rivate/secret.txt'],
  ['double-encoded slash', '/private%252fsecret.txt'],
  ['overlong UTF-8 slash', '/private%c0%afsecret.txt'],
  ['overlong UTF-8 dot-dot', '/public/%c0%ae%c0%ae/private/secret.txt'],
  ['backslash', '/public\\..\\private\\secret.txt'],
  ['absolute-form', 'http://localhost/private/secret.txt'],
  ['absolute-form with dot-dot', 'http://localhost/public/../private/secret.txt'],
  ['absolute-form on another host', 'http://evil.example/private/secret.txt'],
  ['signature parameters without a valid signature', '/private/secret.txt?expires=9999999999&signature=AAAA'],
  ['query trick', '/private/secret.txt?/public/open.txt'],
];

describe.each(MODES)('authentication and authorization (%s engine)', (mode) => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(fixtures.root, mode, { options: { ...authOptions(), quiet: false } })));
  afterAll(() => server.close());

  describe('Basic', () => {
    test('anonymous access to a protected path is 401 with a challenge per enabled scheme', async () => {
      const res = await request(server.url, '/private/secret.txt');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="tinyhttp", charset="UTF-8", Bearer realm="tinyhttp"');
      expect(res.text).not.toContain(PROTECTED_TEXT);
    });

    test('an admin (scrypt hash) gets the protected file', async () => {
      const res = await request(server.url, '/private/secret.txt', { headers: { Authorization: basic('alice', auth.alicePassword) } });
      expect(res.status).toBe(200);
      expect(res.text).toBe(PROTECTED_TEXT);
    });

    test('a bcrypt user is authenticated, and refused with 403 where the rules do not allow him', async () => {
      const headers = { Authorization: basic('bob', auth.bobPassword) };
      expect((await request(server.url, '/team/notes.txt', { headers })).status).toBe(200);
      const denied = await request(server.url, '/private/secret.txt', { headers });
      expect(denied.status).toBe(403);
      expect(denied.text).not.toContain(PROTECTED_TEXT);
    });

    test.each([
      ['a wrong password', () => basic('alice', 'wrong')],
      ['an unknown user', () => basic('mallory', 'whatever')],
      ['an empty password', () => basic('alice', '')],
      ['malformed base64', () => 'Basic !!!notbase64'],
      ['no colon', () => 'Basic ' + Buffer.from('alice').toString('base64')],
      ['an unknown scheme', () => 'Digest username="alice"'],
    ])('%s is 401', async (_name, header) => {
      const res = await request(server.url, '/private/secret.txt', { headers: { Authorization: header() } });
      expect(res.status).toBe(401);
      expect(res.text).not.toContain(PROTECTED_TEXT);
    });

    test('public paths need no credentials', async () => {
      expect((await request(server.url, '/public/open.txt')).status).toBe(200);
    });
  });

  describe('Bearer', () => {
    test('a stored token authenticates its principal', async () => {
      const headers = { Authorization: `Bearer ${auth.ciToken}` };
      expect((await request(server.url, '/team/notes.txt', { headers })).status).toBe(200);
      expect((await request(server.url, '/private/secret.txt', { headers })).status).toBe(403);
    });

    test('an unknown token is 401', async () => {
      const res = await request(server.url, '/team/notes.txt', { headers: { Authorization: 'Bearer not-a-stored-token' } });
      expect(res.status).toBe(401);
    });
  });

  describe('signed URLs', () => {
    const signed = (signedPath: string, expiresAt: number) => `${signedPath}?${createSignature(auth.key, signedPath, expiresAt)}`;

    test('grant GET and HEAD on exactly their path until they expire', async () => {
      const url = signed('/private/secret.txt', nowSeconds() + 60);
      const res = await request(server.url, url);
      expect(res.status).toBe(200);
      expect(res.text).toBe(PROTECTED_TEXT);
      expect((await request(server.url, url, { method: 'HEAD' })).status).toBe(200);
    });

    test('an expired signature is 401', async () => {
      expect((await request(server.url, signed('/private/secret.txt', nowSeconds() - 1))).status).toBe(401);
    });

    test('a signature does not carry over to another path', async () => {
      const query = createSignature(auth.key, '/private/secret.txt', nowSeconds() + 60);
      const res = await request(server.url, `/private/sub/deep.txt?${query}`);
      expect(res.status).toBe(401);
      expect(res.text).not.toContain(PROTECTED_TEXT);
    });

    test.each([
      ['a changed expiry', (q: string) => q.replace(/expires=(\d+)/, (_m, n) => `expires=${Number(n) + 1000}`)],
      ['a flipped signature character', (q: string) => q.replace(/signature=(.)/, (_m, c) => `signature=${c === 'A' ? 'B' : 'A'}`)],
      ['a truncated signature', (q: string) => q.slice(0, -4)],
      ['a duplicated parameter', (q: string) => `${q}&expires=1`],
    ])('%s is 401', async (_name, tamper) => {
      const query = tamper(createSignature(auth.key, '/private/secret.txt', nowSeconds() + 60));
      const res = await request(server.url, `/private/secret.txt?${query}`);
      expect(res.status).toBe(401);
      expect(res.text).not.toContain(PROTECTED_TEXT);
    });

    test('a signature made with another key is 401', async () => {
      const { randomBytes } = await import('node:crypto');
      const query = createSignature(randomBytes(32), '/private/secret.txt', nowSeconds() + 60);
      expect((await request(server.url, `/private/secret.txt?${query}`)).status).toBe(401);
    });
  });

  describe('bypass attempts without credentials', () => {
    test.each(BYPASSES)('%s (%s) never returns the protected bytes', async (_name, target) => {
      const { data } = await rawExchange(server.port, `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      const [res] = parseResponses(data);
      expect([400, 401, 403, 404]).toContain(res.status);
      expect(res.body.toString('latin1')).not.toContain(PROTECTED_TEXT);
    });

    test('HEAD on a protected file is 401 too', async () => {
      expect((await request(server.url, '/private/secret.txt', { method: 'HEAD' })).status).toBe(401);
    });
  });

  describe('listings', () => {
    test('never show entries the principal could not fetch', async () => {
      const anonymous = await request(server.url, '/', { headers: { Accept: 'application/json' } });
      const names = (JSON.parse(anonymous.text) as { entries: { name: string }[] }).entries.map((e) => e.name);
      expect(names).toContain('public');
      expect(names).not.toContain('team');
      expect(names).not.toContain('private');
      const namesFor = async (header: string) =>
        (JSON.parse((await request(server.url, '/', { headers: { Accept: 'application/json', Authorization: header } })).text) as {
          entries: { name: string }[];
        }).entries.map((e) => e.name);
      const bob = await namesFor(basic('bob', auth.bobPassword));
      expect(bob).toContain('team');
      expect(bob).not.toContain('private');
      expect(await namesFor(basic('alice', auth.alicePassword))).toEqual(expect.arrayContaining(['private', 'team', 'public']));
    });
  });

  describe('audit', () => {
    test('a failure is logged at warn with address, user, method and path; the access log names principals', async () => {
      await request(server.url, '/private/secret.txt', { headers: { Authorization: basic('mallory', 'guess') } });
      await request(server.url, '/team/notes.txt', { headers: { Authorization: basic('bob', auth.bobPassword) } });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const warning = server.stderr.find((line) => line.includes('authentication failed') && line.includes('mallory'));
      expect(warning).toMatch(/warn authentication failed .*"address":"127\.0\.0\.1".*"method":"GET","path":"\/private\/secret\.txt"/);
      expect(server.stdout.some((line) => /^127\.0\.0\.1 - bob \[.*"GET \/team\/notes\.txt HTTP\/1\.1" 200 /.test(line))).toBe(true);
      const denial = server.stderr.find((line) => line.includes('access denied') && line.includes('"user":"bob"'));
      expect(denial).toBeDefined();
    });
  });
});

describe.each(MODES)('lockout after failed attempts (%s engine)', (mode) => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(fixtures.root, mode, { options: { ...authOptions(), authMaxFailures: '3' } })));
  afterAll(() => server.close());

  test('past the limit the client gets 429 with Retry-After, even with the right password', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await request(server.url, '/private/secret.txt', { headers: { Authorization: basic('alice', 'wrong') } })).status).toBe(401);
    }
    const locked = await request(server.url, '/private/secret.txt', { headers: { Authorization: basic('alice', auth.alicePassword) } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.text).not.toContain(PROTECTED_TEXT);
    // Anonymous public content is unaffected.
    expect((await request(server.url, '/public/open.txt')).status).toBe(200);
  });
});

describe.each(MODES)('reload (%s engine)', (mode) => {
  let server: TestServer;
  let dir: string;
  let local: AuthFixtures;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(fixtures.base, 'reload-'));
    local = await createAuthFixtures(fixtures.root, dir);
    server = await startTestServer(fixtures.root, mode, {
      options: { authUsers: local.usersFile, authRules: local.rulesFile, authMaxFailures: '1000' },
    });
  });
  afterAll(() => server.close());

  test('a removed user is refused after reload; a broken file keeps the previous set', async () => {
    const headers = { Authorization: basic('alice', local.alicePassword) };
    expect((await request(server.url, '/private/secret.txt', { headers })).status).toBe(200);

    const original = fs.readFileSync(local.usersFile, 'utf8');
    fs.writeFileSync(local.usersFile, 'alice:plaintext-is-refused:admin\n');
    expect(() => server.reload()).toThrow(/line 1 \(user alice\): plain-text passwords are not accepted/);
    expect((await request(server.url, '/private/secret.txt', { headers })).status).toBe(200);

    fs.writeFileSync(local.usersFile, original.split('\n').filter((line) => !line.startsWith('alice:')).join('\n'));
    server.reload();
    expect((await request(server.url, '/private/secret.txt', { headers })).status).toBe(401);
  });
});

describe.each(MODES)('secrets stay out of the logs under --debug (%s engine)', (mode) => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(fixtures.root, mode, { options: { ...authOptions(), quiet: false, debug: true } })));
  afterAll(() => server.close());

  test('no password, token, credential blob or signature appears in any log line', async () => {
    const aliceHeader = basic('alice', auth.alicePassword);
    await request(server.url, '/private/secret.txt', { headers: { Authorization: aliceHeader } });
    await request(server.url, '/private/secret.txt', { headers: { Authorization: basic('alice', 'wrong-' + auth.alicePassword) } });
    await request(server.url, '/team/notes.txt', { headers: { Authorization: `Bearer ${auth.ciToken}` } });
    const query = createSignature(auth.key, '/private/secret.txt', nowSeconds() + 60);
    await request(server.url, `/private/secret.txt?${query}`);
    // The server decodes parameter names, so the log must too.
    const disguised = await request(server.url, `/private/secret.txt?${query.replace('signature=', '%73ignature=')}`);
    expect(disguised.status).toBe(200);
    // A page opened through a signed URL sends it as the Referer of what it loads.
    await request(server.url, '/public/open.txt', { headers: { Referer: `${server.url}/private/secret.txt?${query}` } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const logs = [...server.stdout, ...server.stderr].join('\n');
    expect(logs).toContain('signature=[redacted]');
    expect(logs).toContain('"authorization":"[redacted]"');
    const signature = /signature=([^&]+)/.exec(query)![1];
    for (const secret of [auth.alicePassword, aliceHeader.slice(6), auth.ciToken, signature, auth.key.toString('base64')]) {
      expect(logs).not.toContain(secret);
    }
  });
});

describe.each(MODES)('signed URLs as the only scheme (%s engine)', (mode) => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(fixtures.root, mode, { options: { signingKeyFile: auth.keyFile, authRules: auth.rulesFile } })));
  afterAll(() => server.close());

  test('a protected path without a signature is 403: there is no challenge a client could answer', async () => {
    const res = await request(server.url, '/private/secret.txt');
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect((await request(server.url, '/public/open.txt')).status).toBe(200);
  });

  test('a valid signature opens it', async () => {
    const query = createSignature(auth.key, '/private/secret.txt', nowSeconds() + 60);
    expect((await request(server.url, `/private/secret.txt?${query}`)).text).toBe(PROTECTED_TEXT);
  });
});
