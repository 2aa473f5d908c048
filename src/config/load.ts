// Merges defaults < TINYHTTP_* environment < CLI flags, validates every value against the options
// table, and returns one deep-frozen ServerConfig. Every problem is one ConfigError line.

import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors/http-error';
import { parseHostAndPort } from '../http/host';
import { OPTIONS, OptionName, OptionSpec, ServerConfig, toFlagName } from './options';

export type RawOptions = Partial<Record<OptionName, unknown>>;

export interface LoadInputs {
  /** Values the user gave on the command line (absent = not given). */
  readonly cli: RawOptions;
  readonly env: NodeJS.ProcessEnv;
  /** Per-binary defaults that differ from the table (`tinyhttp` defaults to async). */
  readonly defaults?: RawOptions;
  /** Directory a relative root is resolved against. */
  readonly cwd?: string;
}

interface Source {
  readonly value: unknown;
  /** How the user spelled it, for messages: `--port` or `TINYHTTP_PORT`. */
  readonly label: string;
  /** Precedence of the channel the value came from: 0 default, 1 environment, 2 command line. */
  readonly rank: 0 | 1 | 2;
}

export function loadConfig(inputs: LoadInputs): ServerConfig {
  const values: Record<string, unknown> = {};
  const sources: Partial<Record<OptionName, Source>> = {};
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const source = pickSource(name, inputs);
    sources[name] = source;
    values[name] = coerce(OPTIONS[name], source, inputs.cwd ?? process.cwd());
  }

  // A thread count implies the threaded engine. Against an explicit async mode, the channel with
  // the higher precedence wins (a flag beats the environment); the same channel saying both is a
  // contradiction.
  const threads = sources.threads!;
  const mode = sources.mode!;
  if (threads.rank > 0 && !(mode.rank > threads.rank && values.mode === 'async')) {
    if (mode.rank === threads.rank && values.mode !== 'threaded') {
      throw new ConfigError(`${threads.label} requires --mode threaded (got ${mode.label} ${String(values.mode)})`);
    }
    values.mode = 'threaded';
  }
  values.root = resolveRoot(String(values.root), inputs.cwd ?? process.cwd());
  checkTlsOptions(values as unknown as ServerConfig, sources);
  return Object.freeze(values) as unknown as ServerConfig;
}

function pickSource(name: OptionName, inputs: LoadInputs): Source {
  const spec = OPTIONS[name];
  const flag = name === 'root' ? 'root' : '--' + toFlagName(name);
  const fromCli = inputs.cli[name];
  if (fromCli !== undefined) return { value: fromCli, label: flag, rank: 2 };
  const fromEnv = inputs.env[spec.env];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, label: spec.env, rank: 1 };
  const fromBinary = inputs.defaults?.[name];
  if (fromBinary !== undefined) return { value: fromBinary, label: flag, rank: 0 };
  return { value: spec.default, label: flag, rank: 0 };
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

function coerce(spec: OptionSpec, source: Source, cwd: string): unknown {
  const { value, label } = source;
  const shown = JSON.stringify(Array.isArray(value) ? value.join(' ') : String(value));
  // Options that are off unless given (no default) stay undefined.
  if (value === undefined) return undefined;
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string' || value === '') throw new ConfigError(`${label} must be a non-empty string (got ${shown})`);
      return value;
    case 'file':
      if (typeof value !== 'string' || value === '') throw new ConfigError(`${label} must be a file path (got ${shown})`);
      return path.resolve(cwd, value);
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const word = String(value).toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      throw new ConfigError(`${label} must be true or false (1/0, yes/no, on/off also accepted; got ${shown})`);
    }
    case 'integer': {
      const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
      if (!/^[0-9]+$/.test(text) || Number(text) < spec.min || Number(text) > spec.max) {
        throw new ConfigError(`${label} must be an integer from ${spec.min} to ${spec.max} (got ${shown})`);
      }
      return Number(text);
    }
    case 'choice':
      if (typeof value !== 'string' || !spec.choices.includes(value)) {
        throw new ConfigError(`${label} must be one of ${spec.choices.join(', ')} (got ${shown})`);
      }
      return value;
  }
}

/** TLS options that only make sense together; each problem is one line naming the flags. */
function checkTlsOptions(config: ServerConfig, sources: Partial<Record<OptionName, Source>>): void {
  const label = (name: OptionName) => sources[name]!.label;
  const given = (name: OptionName) => sources[name]!.rank > 0;
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError(`${label('tlsCert')} and ${label('tlsKey')} go together: give both or neither`);
  }
  if (config.tlsSelfSigned && config.tlsCert !== undefined) {
    throw new ConfigError(`${label('tlsSelfSigned')} and ${label('tlsCert')} exclude each other`);
  }
  if (config.tlsPassphraseFile !== undefined && config.tlsKey === undefined) {
    throw new ConfigError(`${label('tlsPassphraseFile')} needs ${label('tlsKey')}`);
  }
  const tls = config.tlsCert !== undefined || config.tlsSelfSigned;
  if (!tls) {
    for (const name of ['tlsClientCa', 'tlsClientAuth', 'tlsMinVersion', 'hsts', 'redirectHttp'] as const) {
      if (given(name)) throw new ConfigError(`${label(name)} needs HTTPS (--tls-cert and --tls-key, or --tls-self-signed)`);
    }
  }
  if (given('tlsClientAuth') && config.tlsClientCa === undefined) {
    throw new ConfigError(`${label('tlsClientAuth')} needs ${label('tlsClientCa')}`);
  }
  if (config.redirectHttp !== undefined && config.redirectHttp !== 0 && config.redirectHttp === config.port) {
    throw new ConfigError(`${label('redirectHttp')} ${config.redirectHttp} is also the HTTPS --port`);
  }
  if (config.publicHost !== undefined && parseHostAndPort(config.publicHost) === undefined) {
    throw new ConfigError(`${label('publicHost')} must be a host name or address with an optional :port (got ${JSON.stringify(config.publicHost)})`);
  }
}

function resolveRoot(root: string, cwd: string): string {
  const absolute = path.resolve(cwd, root);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    throw new ConfigError(`root ${JSON.stringify(root)} does not exist`);
  }
  if (!statSync(real).isDirectory()) throw new ConfigError(`root ${JSON.stringify(root)} is not a directory`);
  return real;
}
