// The two binaries as a user runs them (compiled, in a child process): start-up line, help,
// version, one-line usage errors, and graceful shutdown on SIGTERM/SIGINT.

import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { OPTIONS, toFlagName } from '../../src/config/options';
import { createFixtures, Fixtures } from '../helpers/fixtures';
import { request } from '../helpers/http-client';

const REPO = path.resolve(__dirname, '../..');
const BIN = {
  'tinyhttp-mt': path.join(REPO, 'dist/src/bin/tinyhttp-mt.js'),
  tinyhttp: path.join(REPO, 'dist/src/bin/tinyhttp.js'),
};
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TINYHTTP_')));

let fixtures: Fixtures;
beforeAll(() => (fixtures = createFixtures()));
afterAll(() => fixtures.remove());

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly startLine: string;
  readonly exit: Promise<number | null>;
}

/** Spawns a binary and waits for its start-up line. */
function startBinary(binary: keyof typeof BIN, args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [BIN[binary], ...args], { env: CLEAN_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no start-up line; stdout=${out} stderr=${err}`)), 10_000);
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = / at (https?:\/\/\S+?)\/ /.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], startLine: out.split('\n')[0], exit });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before starting: ${err}`)));
  });
}

function runToExit(binary: keyof typeof BIN, args: string[]) {
  return spawnSync(process.execPath, [BIN[binary], ...args], { env: CLEAN_ENV, encoding: 'utf8', timeout: 15_000 });
}

describe('start-up', () => {
  test('tinyhttp-mt --threads 3 names the URL, the threaded mode, the thread count and the root', async () => {
    const server = await startBinary('tinyhttp-mt', ['--threads', '3', '--port', '0', fixtures.root]);
    try {
      expect(server.startLine).toContain(`serving ${fs.realpathSync(fixtures.root)} at http://127.0.0.1:`);
      expect(server.startLine).toContain(`(mode threaded, 3 threads, pid ${server.child.pid})`);
      expect((await request(server.url, '/hello.txt')).text).toBe('hello world\n');
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exit).toBe(0);
    }
  });

  test('tinyhttp defaults to the async engine', async () => {
    const server = await startBinary('tinyhttp', ['--port', '0', fixtures.root]);
    try {
      expect(server.startLine).toContain(`(mode async, event loop only, pid ${server.child.pid})`);
      expect((await request(server.url, '/hello.txt')).status).toBe(200);
    } finally {
      server.child.kill('SIGINT');
      expect(await server.exit).toBe(0);
    }
  });

  test('giving --threads to tinyhttp implies the threaded engine', async () => {
    const server = await startBinary('tinyhttp', ['--threads', '2', '--port', '0', fixtures.root]);
    server.child.kill('SIGTERM');
    expect(server.startLine).toContain('(mode threaded, 2 threads, pid ');
    expect(await server.exit).toBe(0);
  });

  test('the root defaults to the current directory', async () => {
    const child = spawn(process.execPath, [BIN.tinyhttp, '--port', '0'], { cwd: fixtures.root, env: CLEAN_ENV });
    const line = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    child.kill('SIGTERM');
    expect(line).toContain(`serving ${fs.realpathSync(fixtures.root)} at`);
  });
});

describe('help and version', () => {
  test('--help documents every option and exits 0', () => {
    const result = runToExit('tinyhttp-mt', ['--help']);
    expect(result.status).toBe(0);
    for (const name of Object.keys(OPTIONS)) {
      if (name !== 'root') expect(result.stdout).toContain(`--${toFlagName(name)}`);
    }
    expect(result.stdout).toContain('--no-listing');
    expect(result.stdout).toContain('6789');
  });

  test('--version prints the package version', () => {
    const result = runToExit('tinyhttp', ['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(VERSION);
  });
});

describe('bad usage: one line on stderr, non-zero exit, no stack trace', () => {
  test.each([
    ['an unknown flag', ['--frobnicate'], /Unknown argument: frobnicate/],
    ['a port that is not a number', ['--port', 'abc'], /--port must be an integer from 0 to 65535 \(got "abc"\)/],
    ['a port out of range', ['--port', '70000'], /--port must be an integer from 0 to 65535 \(got "70000"\)/],
    ['zero threads', ['--threads', '0'], /--threads must be an integer from 1 to 256/],
    ['an unknown mode', ['--mode', 'fast'], /--mode must be one of async, threaded \(got "fast"\)/],
    ['--threads with --mode async', ['--mode', 'async', '--threads', '2'], /--threads requires --mode threaded/],
    ['a missing root', ['/definitely/not/here'], /root "\/definitely\/not\/here" does not exist/],
    ['two roots', ['a', 'b'], /Unknown argument: b/],
  ])('%s', (_name, args, message) => {
    const result = runToExit('tinyhttp-mt', ['--port', '0', ...args]);
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('a root that is a file', () => {
    const result = runToExit('tinyhttp', ['--port', '0', path.join(fixtures.root, 'hello.txt')]);
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim()).toMatch(/^tinyhttp: root ".*hello\.txt" is not a directory$/);
  });

  test('a port already in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = runToExit('tinyhttp-mt', ['--threads', '1', '--port', String(port), fixtures.root]);
      expect(result.status).not.toBe(0);
      expect(result.stderr.trim()).toBe(`tinyhttp-mt: --port ${port} is already in use on 127.0.0.1`);
    } finally {
      blocker.close();
    }
  });
});

describe.each(['tinyhttp', 'tinyhttp-mt'] as const)('graceful shutdown (%s)', (binary) => {
  test('SIGTERM lets an in-flight download finish, refuses new connections, and exits 0', async () => {
    const huge = path.join(fixtures.base, `huge-${binary}`);
    fs.mkdirSync(huge);
    fs.writeFileSync(path.join(huge, 'slow.bin'), Buffer.alloc(64 * 1024 * 1024, 7));
    const args = binary === 'tinyhttp-mt' ? ['--threads', '2'] : [];
    const server = await startBinary(binary, [...args, '--port', '0', '--grace-period', '10', '--quiet', huge]);

    // Start a download and stop reading, so the response is still in flight at SIGTERM.
    const { hostname, port } = new URL(server.url);
    const received = new Promise<number>((resolve, reject) => {
      const req = http.get({ host: hostname, port, path: '/slow.bin', agent: false }, (res) => {
        res.pause();
        let bytes = 0;
        setTimeout(() => {
          server.child.kill('SIGTERM');
          setTimeout(() => {
            res.on('data', (chunk: Buffer) => (bytes += chunk.length));
            res.on('end', () => resolve(bytes));
            res.resume();
          }, 300);
        }, 200);
      });
      req.on('error', reject);
    });

    // Once draining (the server says so, then closes its listener in the same tick), new
    // connections are refused. Waiting for the line, not a fixed time: on a loaded machine the
    // signal may arrive late.
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        if (!chunk.toString().includes('SIGTERM received')) return;
        server.child.stdout!.off('data', onData);
        resolve();
      };
      server.child.stdout!.on('data', onData);
    });
    await expect(request(server.url, '/slow.bin', { method: 'HEAD' })).rejects.toThrow();

    expect(await received).toBe(64 * 1024 * 1024);
    expect(await server.exit).toBe(0);
  });

  test('downloads the grace period cuts off still get their access lines before the process exits', async () => {
    const big = path.join(fixtures.base, `cut-${binary}`);
    fs.mkdirSync(big);
    fs.writeFileSync(path.join(big, 'stall.bin'), Buffer.alloc(32 * 1024 * 1024, 3));
    const args = binary === 'tinyhttp-mt' ? ['--threads', '2'] : [];
    const server = await startBinary(binary, [...args, '--port', '0', '--grace-period', '1', big]);
    let output = '';
    server.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const { hostname, port } = new URL(server.url);
    // Five clients that take the headers and then read nothing: still in flight at the deadline.
    const stalled = await Promise.all(
      Array.from(
        { length: 5 },
        (_, i) =>
          new Promise<http.ClientRequest>((resolve, reject) => {
            const req = http.get({ host: hostname, port, path: `/stall.bin?client=${i}`, agent: false }, (res) => {
              res.pause();
              res.on('error', () => undefined);
              resolve(req);
            });
            req.on('error', () => undefined);
            setTimeout(() => reject(new Error('no response headers')), 10_000);
          }),
      ),
    );
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    for (const req of stalled) req.destroy();
    const lines = output.split('\n').filter((line) => line.includes('GET /stall.bin?client='));
    expect(lines).toHaveLength(5);
  });
});
