// Authorization rules: an ordered list of `{ path, allow, methods? }`, first match wins, and when
// any rule exists a path that no rule matches is denied. Matched against the normalised decoded
// path only (http/target.ts), never the raw target.

import { ConfigError } from '../errors/http-error';
import { compileGlob } from '../http/glob';

export { compileGlob };

export interface Principal {
  readonly name: string;
  readonly roles: readonly string[];
}

export interface CompiledRule {
  readonly pattern: string;
  readonly matches: (path: string) => boolean;
  readonly methods: ReadonlySet<string> | undefined;
  readonly anyone: boolean;
  readonly authenticated: boolean;
  readonly users: ReadonlySet<string>;
  readonly roles: ReadonlySet<string>;
}

export type Decision = 'allow' | 'deny';

export function compileRules(value: unknown, label: string): CompiledRule[] {
  if (!Array.isArray(value)) throw new ConfigError(`${label} must be a JSON array of rules`);
  return value.map((rule: unknown, index) => {
    const where = `${label} rule ${index + 1}`;
    if (typeof rule !== 'object' || rule === null) throw new ConfigError(`${where} must be an object`);
    const { path, allow, methods, ...unknown } = rule as Record<string, unknown>;
    const unknownKeys = Object.keys(unknown);
    if (unknownKeys.length > 0) throw new ConfigError(`${where}: unknown key ${JSON.stringify(unknownKeys[0])}`);
    if (typeof path !== 'string') throw new ConfigError(`${where}: "path" must be a string`);
    if (!Array.isArray(allow) || !allow.every((entry) => typeof entry === 'string')) {
      throw new ConfigError(`${where}: "allow" must be an array of strings`);
    }
    if (methods !== undefined && (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string'))) {
      throw new ConfigError(`${where}: "methods" must be an array of strings`);
    }
    const users = new Set<string>();
    const roles = new Set<string>();
    let anyone = false;
    let authenticated = false;
    for (const entry of allow as string[]) {
      if (entry === '*') anyone = true;
      else if (entry === 'authenticated') authenticated = true;
      else if (entry.startsWith('user:') && entry.length > 5) users.add(entry.slice(5));
      else if (entry.startsWith('role:') && entry.length > 5) roles.add(entry.slice(5));
      else throw new ConfigError(`${where}: allow entry ${JSON.stringify(entry)} must be "*", "authenticated", "user:NAME" or "role:NAME"`);
    }
    return {
      pattern: path,
      matches: compileGlob(path),
      methods: methods === undefined ? undefined : toMethodSet(methods as string[]),
      anyone,
      authenticated,
      users,
      roles,
    };
  });
}

/** SECURITY: HEAD is GET without the body (RFC 9110 §9.3.2): a rule for GET covers HEAD too, or
 *  HEAD would skip it and reveal a protected file's size and validators through a later rule. */
function toMethodSet(methods: readonly string[]): ReadonlySet<string> {
  const set = new Set(methods.map((method) => method.toUpperCase()));
  if (set.has('GET')) set.add('HEAD');
  return set;
}

/** First matching rule decides; no rules at all means a public server. */
export function decide(rules: readonly CompiledRule[], principal: Principal | undefined, method: string, path: string): Decision {
  if (rules.length === 0) return 'allow';
  for (const rule of rules) {
    if (!rule.matches(path)) continue;
    if (rule.methods !== undefined && !rule.methods.has(method)) continue;
    if (rule.anyone) return 'allow';
    if (principal === undefined) return 'deny';
    if (rule.authenticated || rule.users.has(principal.name) || principal.roles.some((role) => rule.roles.has(role))) {
      return 'allow';
    }
    return 'deny';
  }
  return 'deny';
}
