// The credential commands' input handling, with fake terminals and pipes.

import { PassThrough } from 'node:stream';
import { runGenToken, runHashPassword } from '../../src/cli/commands';
import { verifyPassword } from '../../src/auth/password-hash';
import { digestToken } from '../../src/auth/credentials';

function fakeIo(isTTY: boolean) {
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream & PassThrough;
  Object.assign(stdin, { isTTY, setRawMode: () => stdin });
  let out = '';
  let err = '';
  const stdout = new PassThrough().on('data', (c: Buffer) => (out += c.toString()));
  const stderr = new PassThrough().on('data', (c: Buffer) => (err += c.toString()));
  return { io: { stdin, stdout, stderr }, stdin, out: () => out, err: () => err };
}

describe('hash-password input', () => {
  test('on a terminal, both answers typed ahead in one chunk are read, without echo', async () => {
    const { io, stdin, out, err } = fakeIo(true);
    const done = runHashPassword('alice', 'admin', io);
    stdin.write('s3cret\rs3cret\r');
    await done;
    const line = out().trim();
    expect(line).toMatch(/^alice:\$scrypt\$[^:]+:admin$/);
    expect(await verifyPassword(line.split(':')[1], 's3cret')).toBe(true);
    expect(err()).toBe('Password: \nAgain: \n');
    expect(out() + err()).not.toContain('s3cret');
  });

  test('on a terminal, backspace edits and two different answers are refused', async () => {
    const { io, stdin } = fakeIo(true);
    const done = runHashPassword('alice', undefined, io);
    stdin.write('abx\u007fc\r');
    stdin.write('abd\r');
    await expect(done).rejects.toThrow('the two passwords differ');
  });

  test('from a pipe, the first line is the password', async () => {
    const { io, stdin, out } = fakeIo(false);
    const done = runHashPassword('bob', undefined, io);
    stdin.end('piped pw\nignored second line\n');
    await done;
    expect(await verifyPassword(out().trim().slice('bob:'.length), 'piped pw')).toBe(true);
  });
});

describe('gen-token', () => {
  test('prints a token and a line holding only its digest', () => {
    const { io, out } = fakeIo(false);
    runGenToken('ci', 'deploy,read', io);
    const [tokenLine, storeLine] = out().trim().split('\n');
    const token = tokenLine.slice('token: '.length);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(storeLine).toBe(`line: ${digestToken(token)} ci:deploy,read`);
  });
});
