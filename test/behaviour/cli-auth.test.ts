// The credential commands as an operator runs them (compiled, child processes), and SIGHUP
// reloading users on a running server.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createFixtures, Fixtures } from '../helpers/fixtures';
import { request } from '../helpers/http-client';
import { basic, PROTECTED_TEXT } from '../helpers/auth-fixtures';

const REPO = path.resolve(__dirname, '../..');
const BIN = path.join(REPO, 'dist/src/bin/tinyhttp-mt.js');
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TINYHTTP_')));

let fixtures: Fixtures;
beforeAll(() => {
  fixtures = createFixtures();
  fs.mkdirSync(path.join(fixtures.root, 'private'));
  fs.writeFileSync(path.join(fixtures.root, 'private', 'secret.txt'), PROTECTED_TEXT);
});
afterAll(() => fixtures.remove());

function run(args: string[], input?: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { env: { ...CLEAN_ENV, ...env }, input, encoding: 'utf8', timeout: 15_000 });
}

function secretFile(name: string, content: string | Buffer): string {
  const file = path.join(fixtures.base, name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}

/** Starts the server with the given flags on a free port; resolves with its URL. */
async function startServer(args: string[]) {
  const child = spawn(process.execPath, [BIN, '--threads', '1', '--port', '0', '--quiet', ...args, fixtures.root], {
    env: CLEAN_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = / at (http:\/\/\S+?)\/ /.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { child, url, output: () => out + err };
}

describe('hash-password', () => {
  test('reads the password from stdin and prints a users-file line that the server accepts', async () => {
    const password = 'pw-' + randomBytes(6).toString('hex');
    const result = run(['hash-password', 'alice', '--roles', 'admin,ops'], `${password}\n`);
    expect(result.status).toBe(0);
    const line = result.stdout.trim();
    expect(line).toMatch(/^alice:\$scrypt\$ln=15,r=8,p=1\$[^:]+:admin,ops$/);
    expect(line).not.toContain(password);

    const users = secretFile('users-cli', line + '\n');
    const server = await startServer(['--auth-users', users]);
    try {
      expect((await request(server.url, '/hello.txt', { headers: { Authorization: basic('alice', password) } })).status).toBe(200);
      expect((await request(server.url, '/hello.txt')).status).toBe(401);
    } finally {
      server.child.kill('SIGTERM');
    }
  });

  test('refuses an empty password and a bad name', () => {
    expect(run(['hash-password', 'alice'], '\n').stderr).toMatch(/^tinyhttp-mt: the password is empty\n$/);
    expect(run(['hash-password', 'al:ice'], 'x\n').stderr).toMatch(/^tinyhttp-mt: name "al:ice" must be/);
  });
});

describe('gen-token', () => {
  test('prints a token and the line to store, and the stored line authenticates the token', async () => {
    const result = run(['gen-token', 'ci', '--roles', 'deploy']);
    expect(result.status).toBe(0);
    const [tokenLine, storeLine] = result.stdout.trim().split('\n');
    const token = /^token: (\S+)$/.exec(tokenLine)![1];
    expect(storeLine).toMatch(/^line: [0-9a-f]{64} ci:deploy$/);
    expect(storeLine).not.toContain(token);

    const tokens = secretFile('tokens-cli', storeLine.slice('line: '.length) + '\n');
    const server = await startServer(['--auth-tokens', tokens]);
    try {
      expect((await request(server.url, '/hello.txt', { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await request(server.url, '/hello.txt', { headers: { Authorization: 'Bearer nope' } })).status).toBe(401);
    } finally {
      server.child.kill('SIGTERM');
    }
  });
});

describe('sign-url', () => {
  test('prints a URL that grants exactly that path until it expires', async () => {
    const key = secretFile('signing-cli.key', randomBytes(32));
    const rules = secretFile('rules-cli.json', JSON.stringify([{ path: '/private/**', allow: ['role:admin'] }, { path: '/**', allow: ['*'] }]));
    const server = await startServer(['--signing-key-file', key, '--auth-rules', rules]);
    try {
      const port = new URL(server.url).port;
      const result = run(['sign-url', '/private/secret.txt', '--expires', '15m', '--port', port], undefined, { TINYHTTP_SIGNING_KEY_FILE: key });
      expect(result.status).toBe(0);
      const signed = new URL(result.stdout.trim());
      expect(signed.pathname).toBe('/private/secret.txt');
      expect(Number(signed.searchParams.get('expires'))).toBeGreaterThan(Date.now() / 1000 + 14 * 60);
      const res = await request(server.url, signed.pathname + signed.search);
      expect(res.status).toBe(200);
      expect(res.text).toBe(PROTECTED_TEXT);
      expect((await request(server.url, '/private/secret.txt')).status).toBe(403);
    } finally {
      server.child.kill('SIGTERM');
    }
  });

  test('without a key it says which option is missing', () => {
    const result = run(['sign-url', '/x']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('tinyhttp-mt: sign-url needs --signing-key-file or TINYHTTP_SIGNING_KEY_FILE\n');
  });

  test('a bad duration is one clear line', () => {
    const key = secretFile('signing-cli2.key', randomBytes(32));
    expect(run(['sign-url', '/x', '--expires', 'soon', '--signing-key-file', key]).stderr).toMatch(/--expires must be a duration/);
  });
});

describe('config', () => {
  test('prints the effective configuration with secret files by path, never their contents', () => {
    const password = 'never-printed-' + randomBytes(4).toString('hex');
    const users = secretFile('users-config', `alice:${run(['hash-password', 'alice'], password + '\n').stdout.trim().split(':').slice(1).join(':')}\n`);
    const result = run(['config', '--auth-users', users, '--port', '7000'], undefined, { TINYHTTP_HOST: '0.0.0.0' });
    expect(result.status).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed).toMatchObject({ port: 7000, host: '0.0.0.0', authUsers: users });
    expect(result.stdout).not.toContain('$scrypt$');
    expect(result.stdout).not.toContain(password);
  });
});

describe('start-up checks on secret files', () => {
  test('a users file with a plain-text password stops the server with one line naming the line', () => {
    const users = secretFile('users-plain', '# header\nalice:hunter2\n');
    const result = run(['--port', '0', '--auth-users', users, fixtures.root]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('tinyhttp-mt: --auth-users line 2 (user alice): plain-text passwords are not accepted; use hash-password\n');
    expect(result.stderr).not.toContain('hunter2');
  });

  test('a secret file readable by others is served but warned about', async () => {
    const tokens = path.join(fixtures.base, 'tokens-open');
    fs.writeFileSync(tokens, `${'a'.repeat(64)} ci\n`, { mode: 0o644 });
    fs.chmodSync(tokens, 0o644);
    const server = await startServer(['--auth-tokens', tokens]);
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
    expect(server.output()).toMatch(/--auth-tokens .*tokens-open is readable by group or others \(mode 0644\); chmod 600 it/);
  });
});

describe('SIGHUP', () => {
  test('reloads the users file without dropping the server; a broken file keeps the old users', async () => {
    const first = run(['hash-password', 'alice'], 'first-pw\n').stdout.trim();
    const users = secretFile('users-hup', first + '\n');
    const server = await startServer(['--auth-users', users]);
    const alice = (password: string) => request(server.url, '/hello.txt', { headers: { Authorization: basic('alice', password) } });
    const waitForLog = async (pattern: RegExp) => {
      for (let i = 0; i < 50 && !pattern.test(server.output()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(server.output()).toMatch(pattern);
    };
    try {
      expect((await alice('first-pw')).status).toBe(200);

      fs.writeFileSync(users, 'alice:plain\n');
      server.child.kill('SIGHUP');
      await waitForLog(/SIGHUP: reload failed, keeping the previous set: --auth-users line 1/);
      expect((await alice('first-pw')).status).toBe(200);

      fs.writeFileSync(users, run(['hash-password', 'alice'], 'second-pw\n').stdout);
      server.child.kill('SIGHUP');
      await waitForLog(/SIGHUP: reloaded users/);
      expect((await alice('second-pw')).status).toBe(200);
      expect((await alice('first-pw')).status).toBe(401);
    } finally {
      server.child.kill('SIGTERM');
    }
  });
});
