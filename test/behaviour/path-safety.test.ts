// Path safety (DESIGN.md): nothing outside the root, no dotfiles, no special files, over raw sockets
// so no client normalises the target first. Every case asserts its status unconditionally.

import { createFixtures, Fixtures, HIDDEN_TEXT, SECRET_TEXT } from '../helpers/fixtures';
import { parseResponses, rawExchange, request } from '../helpers/http-client';
import { MODES, startTestServer, TestServer } from '../helpers/start-server';

let fixtures: Fixtures;
beforeAll(() => (fixtures = createFixtures()));
afterAll(() => fixtures.remove());

async function rawGet(server: TestServer, target: string): Promise<{ status: number; text: string }> {
  const { data } = await rawExchange(server.port, `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  const [res] = parseResponses(data);
  return { status: res.status, text: res.body.toString('latin1') };
}

// [description, raw request-target, expected status]
const ESCAPES: [string, string, number][] = [
  ['dot-dot', '/../outside/secret.txt', 404],
  ['dot-dot deeper', '/docs/../../outside/secret.txt', 404],
  ['encoded dots', '/%2e%2e/outside/secret.txt', 404],
  ['mixed-case encoded dots', '/%2E%2e/outside/secret.txt', 404],
  ['encoded slashes', '/..%2foutside%2fsecret.txt', 404],
  ['encoded slashes, upper case', '/..%2Foutside%2Fsecret.txt', 404],
  ['double-encoded dots', '/%252e%252e/outside/secret.txt', 404],
  ['double-encoded slash', '/..%252foutside%252fsecret.txt', 404],
  ['raw backslash', '/..\\outside\\secret.txt', 400],
  ['encoded backslash', '/..%5coutside%5csecret.txt', 400],
  ['overlong UTF-8 dot', '/%c0%ae%c0%ae/outside/secret.txt', 400],
  ['overlong UTF-8 slash', '/..%c0%afoutside%c0%afsecret.txt', 400],
  ['NUL byte', '/hello.txt%00.png', 400],
  ['bad percent-encoding', '/%zz/../outside/secret.txt', 400],
  ['truncated percent-encoding', '/hello.txt%', 400],
  ['sibling with the root as prefix', '/../root-old/secret.txt', 404],
  ['absolute-form climbing', 'http://localhost/../outside/secret.txt', 404],
  ['absolute-form with encoded dots', 'http://localhost/%2e%2e/outside/secret.txt', 404],
  ['symlink to a file outside', '/link-outside.txt', 404],
  ['symlink to a directory outside', '/link-dir-outside/secret.txt', 404],
  ['symlink to a sibling sharing the prefix', '/link-sibling.txt', 404],
  ['absolute symlink outside', '/link-absolute.txt', 404],
  ['symlink outside, listing', '/link-dir-outside/', 404],
];

const HIDDEN: [string, string, number][] = [
  ['a dotfile', '/.hidden.txt', 404],
  ['an encoded dotfile', '/%2ehidden.txt', 404],
  ['a file in a dot-directory', '/docs/.git/config', 404],
  ['a dot-directory listing', '/docs/.git/', 404],
  ['a symlink to a dotfile', '/link-to-hidden.txt', 404],
  ['.well-known below the top', '/docs/.well-known/x', 404],
];

describe.each(MODES)('path safety (%s engine)', (mode) => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(fixtures.root, mode)));
  afterAll(() => server.close());

  test.each(ESCAPES)('%s (%s) answers %i with nothing from outside the root', async (_name, target, status) => {
    const res = await rawGet(server, target);
    expect(res.status).toBe(status);
    expect(res.text).not.toContain(SECRET_TEXT);
    expect(res.text).not.toContain(fixtures.base);
  });

  test.each(HIDDEN)('%s (%s) answers %i', async (_name, target, status) => {
    const res = await rawGet(server, target);
    expect(res.status).toBe(status);
    expect(res.text).not.toContain(HIDDEN_TEXT);
  });

  test('/.well-known/ at the top is served', async () => {
    const res = await rawGet(server, '/.well-known/security.txt');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Contact:');
  });

  test('a dot-dot that stays inside the root is normalised and served', async () => {
    const res = await rawGet(server, '/docs/../hello.txt');
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello world\n');
  });

  test('a FIFO is refused at once, without opening it', async () => {
    const started = Date.now();
    const res = await request(server.url, '/fifo');
    expect(res.status).toBe(404);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a symlink loop is a 404', async () => {
    expect((await request(server.url, '/loop-a')).status).toBe(404);
  });

  test('a dangling symlink is a 404', async () => {
    expect((await request(server.url, '/dangling')).status).toBe(404);
  });

  test('client errors are never 500s: a burst of hostile targets all answer 4xx', async () => {
    const targets = [...ESCAPES, ...HIDDEN].map(([, target]) => target);
    const statuses = await Promise.all(targets.map(async (target) => (await rawGet(server, target)).status));
    for (const status of statuses) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }
  });
});
