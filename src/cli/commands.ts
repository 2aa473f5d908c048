// The helper commands: hash-password, gen-token, sign-url, config. Each prints to stdout and
// throws ConfigError for bad input; none ever takes a secret from argv.

import { randomBytes } from 'node:crypto';
import type { ServerConfig } from '../config/options';
import { digestToken, NAME, parseRoles } from '../auth/credentials';
import { readSecretFile } from '../config/secret-files';
import { hashPassword } from '../auth/password-hash';
import { createSignature, MIN_SIGNING_KEY_BYTES, parseDuration } from '../auth/signed-url';
import { ConfigError } from '../errors/http-error';
import { encodePath, parseRequestTarget } from '../http/target';
import { HttpError } from '../errors/http-error';

export interface CommandIo {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

function checkPrincipal(name: string, roles: string | undefined): string {
  if (!NAME.test(name)) throw new ConfigError(`name ${JSON.stringify(name)} must be 1-64 of A-Z a-z 0-9 . _ @ -`);
  const parsed = parseRoles(roles, '--roles');
  return parsed.length === 0 ? '' : ':' + parsed.join(',');
}

/** Reads a password without echo from a TTY (asked twice), or the first line of piped stdin. */
async function readPassword(io: CommandIo): Promise<string> {
  if (io.stdin.isTTY) {
    const [first, second] = await promptHidden(io, ['Password: ', 'Again: ']);
    if (first !== second) throw new ConfigError('the two passwords differ');
    return first;
  }
  let text = '';
  for await (const chunk of io.stdin) text += String(chunk);
  return text.split(/\r?\n/)[0];
}

/** Reads one hidden line per prompt in a single raw-mode session, so typed-ahead or pasted
 *  input (both answers in one chunk) is kept, not dropped. */
function promptHidden(io: CommandIo, prompts: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const stdin = io.stdin;
    const answers: string[] = [];
    let value = '';
    io.stderr.write(prompts[0]);
    stdin.setRawMode(true);
    stdin.resume();
    const finish = (settle: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      settle();
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\u0003') return finish(() => reject(new ConfigError('cancelled')));
        if (char === '\r' || char === '\n') {
          answers.push(value);
          value = '';
          io.stderr.write('\n');
          if (answers.length === prompts.length) return finish(() => resolve(answers));
          io.stderr.write(prompts[answers.length]);
        } else if (char === '\u007f' || char === '\b') {
          value = value.slice(0, -1);
        } else {
          value += char;
        }
      }
    };
    stdin.on('data', onData);
  });
}

export async function runHashPassword(name: string, roles: string | undefined, io: CommandIo): Promise<void> {
  const suffix = checkPrincipal(name, roles);
  const password = await readPassword(io);
  if (password === '') throw new ConfigError('the password is empty');
  io.stdout.write(`${name}:${await hashPassword(password)}${suffix}\n`);
}

export function runGenToken(name: string, roles: string | undefined, io: CommandIo): void {
  const suffix = checkPrincipal(name, roles);
  const token = randomBytes(32).toString('base64url');
  io.stdout.write(`token: ${token}\nline: ${digestToken(token)} ${name}${suffix}\n`);
}

export function runSignUrl(path: string, expires: string, config: ServerConfig, io: CommandIo, now = Date.now()): void {
  if (config.signingKeyFile === undefined) {
    throw new ConfigError('sign-url needs --signing-key-file or TINYHTTP_SIGNING_KEY_FILE');
  }
  const lifetime = parseDuration(expires);
  if (lifetime === undefined) throw new ConfigError(`--expires must be a duration like 90s, 15m, 2h or 7d (got ${JSON.stringify(expires)})`);
  const key = readSecretFile(config.signingKeyFile, '--signing-key-file');
  if (key.length < MIN_SIGNING_KEY_BYTES) throw new ConfigError(`--signing-key-file must hold at least ${MIN_SIGNING_KEY_BYTES} bytes`);
  let target;
  try {
    // Sign exactly the path the server will see after decoding and normalising.
    target = parseRequestTarget(path.startsWith('/') ? path : '/' + path);
  } catch (error) {
    throw new ConfigError(`path ${JSON.stringify(path)} is not a valid request path (${error instanceof HttpError ? error.message : 'invalid'})`);
  }
  if (target.query !== '') throw new ConfigError('path must not carry a query string');
  const expiresAt = Math.floor(now / 1000) + lifetime;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  io.stdout.write(`http://${host}:${config.port}${encodePath(target.segments, target.trailingSlash)}?${createSignature(key, target.path, expiresAt)}\n`);
}

export function runConfig(config: ServerConfig, io: CommandIo): void {
  io.stdout.write(JSON.stringify(config, null, 2) + '\n');
}
