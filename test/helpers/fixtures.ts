// Builds the fixture tree behaviour tests serve, in a fresh temp dir per test file.
// Names follow the case they exercise (send's `do..ts.txt`, `.hidden.txt`, fastify-static's symlinks).

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SECRET_TEXT = 'TOP-SECRET-OUTSIDE-THE-ROOT';
export const HIDDEN_TEXT = 'HIDDEN-DOTFILE-CONTENT';

export interface Fixtures {
  /** Temp directory holding root/, outside/ and root-old/. */
  readonly base: string;
  /** The directory served. */
  readonly root: string;
  /** `big.bin`: 2 MiB + 1 random bytes (past the cache's per-file limit, so always streamed). */
  readonly bigBytes: Buffer;
  /** `medium.bin`: 512 KiB random bytes (read whole and served from memory once cached). */
  readonly mediumBytes: Buffer;
  remove(): void;
}

export function createFixtures(): Fixtures {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-fixtures-'));
  const root = path.join(base, 'root');
  const write = (relative: string, content: string | Buffer) => {
    const file = path.join(base, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  };

  // Past the hot-path cache's per-file limit (1 MiB), so it is always streamed from its descriptor.
  const bigBytes = randomBytes(2 * 1024 * 1024 + 1);
  const mediumBytes = randomBytes(512 * 1024);
  write('root/hello.txt', 'hello world\n');
  write('root/empty.txt', '');
  write('root/data.json', '{"ok":true}\n');
  write('root/style.css', 'body{}\n');
  write('root/blob.zzqx', Buffer.from([0, 1, 2, 3]));
  write('root/noextension', 'plain bytes\n');
  write('root/big.bin', bigBytes);
  // Within it: served from memory once cached.
  write('root/medium.bin', mediumBytes);
  write('root/some thing.txt', 'space in name\n');
  write('root/do..ts.txt', 'dots inside a name\n');
  write('root/weird<&>"\'.txt', 'markup in name\n');
  write('root/caf\u00e9.txt', 'utf-8 name\n');
  write('root/.hidden.txt', HIDDEN_TEXT);
  write('root/.well-known/security.txt', 'Contact: mailto:security@example.test\n');
  write('root/docs/.git/config', HIDDEN_TEXT);
  write('root/docs/readme.txt', 'docs readme\n');
  write('root/docs/sub/deep.txt', 'deep\n');
  write('root/site/index.html', '<!doctype html><title>site</title>\n');
  write('root/site/about.txt', 'about\n');
  write('outside/secret.txt', SECRET_TEXT);
  write('root-old/secret.txt', SECRET_TEXT);
  write('root/docs/inside-target.txt', 'reached through a symlink\n');

  const link = (target: string, name: string) => fs.symlinkSync(target, path.join(root, name));
  link('hello.txt', 'link-inside.txt');
  link('../outside/secret.txt', 'link-outside.txt');
  link('../outside', 'link-dir-outside');
  link('../root-old/secret.txt', 'link-sibling.txt');
  link(path.join(base, 'outside', 'secret.txt'), 'link-absolute.txt');
  link('.hidden.txt', 'link-to-hidden.txt');
  link('docs', 'link-dir-inside');
  link('loop-b', 'loop-a');
  link('loop-a', 'loop-b');
  link('does-not-exist', 'dangling');
  execFileSync('mkfifo', [path.join(root, 'fifo')]);

  return { base, root, bigBytes, mediumBytes, remove: () => fs.rmSync(base, { recursive: true, force: true }) };
}

/** Writes `files` (relative path → content) under `root`, creating folders as needed. */
export function writeTree(root: string, files: Readonly<Record<string, string | Buffer>>): void {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
}
