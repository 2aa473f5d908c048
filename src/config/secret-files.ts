// Reading the files that hold secrets (users, tokens, keys, passphrases): one-line errors that name
// the flag and path, never the contents, and a warning when others could read them.

import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '../errors/http-error';

export function readSecretFile(file: string, label: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`${label} ${JSON.stringify(file)} cannot be read (${code})`);
  }
}

/** Warns (through `warn`) when a secret file is readable by group or others. */
export function checkSecretFileMode(file: string, label: string, warn: (message: string) => void): void {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    warn(`${label} ${file} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); chmod 600 it`);
  }
}
