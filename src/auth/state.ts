// The authentication and authorization state built from the secret and rules files: loaded once
// at start, swapped whole on SIGHUP (a broken file keeps the previous state).

import type { ServerConfig } from '../config/options';
import { ConfigError } from '../errors/http-error';
import { checkSecretFileMode, readSecretFile } from '../config/secret-files';
import { parseTokensFile, parseUsersFile, TokenRecord, UserRecord } from './credentials';
import { CompiledRule, compileRules } from './rules';
import { MIN_SIGNING_KEY_BYTES } from './signed-url';

export interface AuthState {
  /** False when nothing is configured: the server is public and the auth stages do nothing. */
  readonly enabled: boolean;
  readonly users: ReadonlyMap<string, UserRecord> | undefined;
  /** Token digests as buffers, compared one by one in constant time. */
  readonly tokens: readonly { readonly digest: Buffer; readonly record: TokenRecord }[] | undefined;
  readonly signingKey: Buffer | undefined;
  /** Effective rules: the configured ones, or "everything needs a principal" when auth is on without rules. */
  readonly rules: readonly CompiledRule[];
  /** WWW-Authenticate challenges for the enabled schemes. */
  readonly challenges: readonly string[];
}

type AuthFiles = Pick<ServerConfig, 'authUsers' | 'authTokens' | 'signingKeyFile' | 'authRules' | 'authRealm'>;

export function loadAuthState(config: AuthFiles, warn: (message: string) => void): AuthState {
  let users: Map<string, UserRecord> | undefined;
  let tokens: { digest: Buffer; record: TokenRecord }[] | undefined;
  let signingKey: Buffer | undefined;
  let configuredRules: CompiledRule[] | undefined;

  if (config.authUsers !== undefined) {
    const text = readSecretFile(config.authUsers, '--auth-users').toString('utf8');
    checkSecretFileMode(config.authUsers, '--auth-users', warn);
    users = parseUsersFile(text, '--auth-users');
  }
  if (config.authTokens !== undefined) {
    const text = readSecretFile(config.authTokens, '--auth-tokens').toString('utf8');
    checkSecretFileMode(config.authTokens, '--auth-tokens', warn);
    tokens = [...parseTokensFile(text, '--auth-tokens')].map(([digest, record]) => ({ digest: Buffer.from(digest, 'hex'), record }));
  }
  if (config.signingKeyFile !== undefined) {
    signingKey = readSecretFile(config.signingKeyFile, '--signing-key-file');
    checkSecretFileMode(config.signingKeyFile, '--signing-key-file', warn);
    if (signingKey.length < MIN_SIGNING_KEY_BYTES) {
      throw new ConfigError(`--signing-key-file must hold at least ${MIN_SIGNING_KEY_BYTES} bytes (got ${signingKey.length})`);
    }
  }
  if (config.authRules !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readSecretFile(config.authRules, '--auth-rules').toString('utf8'));
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`--auth-rules ${config.authRules} is not valid JSON (${(error as Error).message})`);
    }
    configuredRules = compileRules(parsed, '--auth-rules');
  }

  const authenticates = users !== undefined || tokens !== undefined || signingKey !== undefined;
  const challenges: string[] = [];
  const realm = config.authRealm.replace(/["\\]/g, '');
  if (users !== undefined) challenges.push(`Basic realm="${realm}", charset="UTF-8"`);
  if (tokens !== undefined) challenges.push(`Bearer realm="${realm}"`);
  return {
    enabled: authenticates || configuredRules !== undefined,
    users,
    tokens,
    signingKey,
    rules: configuredRules ?? (authenticates ? compileRules([{ path: '/**', allow: ['authenticated'] }], 'default rule') : []),
    challenges,
  };
}

/** Holds the current AuthState; `reload` replaces it only when the new files all load. */
export class AuthStore {
  constructor(
    private state: AuthState,
    private readonly load: () => AuthState,
  ) {}

  get current(): AuthState {
    return this.state;
  }

  /** Throws a ConfigError (and keeps the old state) when a file is broken. */
  reload(): void {
    this.state = this.load();
  }

  /** Swaps in a state loaded (and checked) by the caller. */
  replace(state: AuthState): void {
    this.state = state;
  }
}
