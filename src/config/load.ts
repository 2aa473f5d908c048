// Merges defaults < TINYHTTP_* environment < CLI flags, validates every value against the options
// table, and returns one deep-frozen ServerConfig. Every problem is one ConfigError line.

import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors/http-error';
import { parseCorsOrigins } from '../http/cors';
import { parseHostAndPort } from '../http/host';
import { checkHeaderValue, filePathSegments, parseCacheControlRules, parseErrorPages, parseHeaderRules } from './asset-rules';
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
  /** How the user spelled it, for messages: `--port`, `TINYHTTP_PORT` or `site.json: "port"`. */
  readonly label: string;
  /** Precedence of the channel the value came from: 0 default, 1 config file, 2 environment, 3 command line. */
  readonly rank: 0 | 1 | 2 | 3;
  /** Relative paths are resolved against this: the config file's folder for its values, else cwd. */
  readonly baseDir: string;
  /** JSON values must have the option's own type (a string "8080" is not a port there). */
  readonly typed: boolean;
}

/** A parsed --config file: option values by config name, and the keys only a file can hold. */
interface ConfigFile {
  readonly path: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly extras: Readonly<Partial<Record<FileOnlyKey, unknown>>>;
}

/** Config-file keys with no flag: structured values. */
const FILE_ONLY_KEYS = ['cacheControlRules', 'headers'] as const;
type FileOnlyKey = (typeof FILE_ONLY_KEYS)[number];

export function loadConfig(inputs: LoadInputs): ServerConfig {
  const cwd = inputs.cwd ?? process.cwd();
  const file = readConfigFile(inputs, cwd);
  const values: Record<string, unknown> = {};
  const sources: Partial<Record<OptionName, Source>> = {};
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const source = pickSource(name, inputs, file, cwd);
    sources[name] = source;
    values[name] = coerce(OPTIONS[name], source);
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
  values.root = resolveRoot(String(values.root), sources.root!.baseDir);
  values.cacheControlRules = file?.extras.cacheControlRules === undefined ? [] : parseCacheControlRules(file.extras.cacheControlRules, `${file.path}: "cacheControlRules"`);
  values.headerRules = file?.extras.headers === undefined ? [] : parseHeaderRules(file.extras.headers, `${file.path}: "headers"`);
  checkTlsOptions(values as unknown as ServerConfig, sources);
  checkAssetOptions(values as unknown as ServerConfig, sources);
  return Object.freeze(values) as unknown as ServerConfig;
}

function pickSource(name: OptionName, inputs: LoadInputs, file: ConfigFile | undefined, cwd: string): Source {
  const spec = OPTIONS[name];
  const flag = name === 'root' ? 'root' : '--' + toFlagName(name);
  const fromCli = inputs.cli[name];
  if (fromCli !== undefined) return { value: fromCli, label: flag, rank: 3, baseDir: cwd, typed: false };
  const fromEnv = inputs.env[spec.env];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, label: spec.env, rank: 2, baseDir: cwd, typed: false };
  if (file !== undefined && name in file.values) {
    return { value: file.values[name], label: `${file.path}: "${name}"`, rank: 1, baseDir: path.dirname(file.path), typed: true };
  }
  const fromBinary = inputs.defaults?.[name];
  if (fromBinary !== undefined) return { value: fromBinary, label: flag, rank: 0, baseDir: cwd, typed: false };
  return { value: spec.default, label: flag, rank: 0, baseDir: cwd, typed: false };
}

/**
 * Reads the JSON file named by --config or TINYHTTP_CONFIG. Keys are the options' config names
 * (`logFormat`) or their flag names (`log-format`); an unknown key, a duplicate spelling or a file
 * that is not a JSON object stops the start with one line.
 */
function readConfigFile(inputs: LoadInputs, cwd: string): ConfigFile | undefined {
  const given = inputs.cli.config ?? inputs.env[OPTIONS.config.env];
  if (given === undefined || given === '') return undefined;
  const label = inputs.cli.config !== undefined ? '--config' : OPTIONS.config.env;
  if (typeof given !== 'string') throw new ConfigError(`${label} must be a file path`);
  const file = path.resolve(cwd, given);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new ConfigError(`${label} ${JSON.stringify(file)} cannot be read (${code})`);
    throw new ConfigError(`${label} ${JSON.stringify(file)} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${file} must hold a JSON object of options`);
  }
  const values: Record<string, unknown> = {};
  const extras: Partial<Record<FileOnlyKey, unknown>> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if ((FILE_ONLY_KEYS as readonly string[]).includes(key)) {
      extras[key as FileOnlyKey] = value;
      continue;
    }
    const name = key.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
    if (!(name in OPTIONS) || name === 'config' || (key !== name && toFlagName(name) !== key)) {
      throw new ConfigError(
        `${file}: unknown key ${JSON.stringify(key)} (expected an option name such as "port" or "logFormat", or ${FILE_ONLY_KEYS.map((k) => `"${k}"`).join(', ')})`,
      );
    }
    if (name in values) throw new ConfigError(`${file}: ${JSON.stringify(key)} repeats an option already given`);
    values[name] = value;
  }
  return { path: file, values, extras };
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

const TYPE_OF_SPEC = { string: 'string', file: 'string', choice: 'string', integer: 'number', boolean: 'boolean' } as const;

function coerce(spec: OptionSpec, source: Source): unknown {
  const { value, label } = source;
  const shown = JSON.stringify(Array.isArray(value) ? value.join(' ') : String(value));
  // Options that are off unless given (no default) stay undefined.
  if (value === undefined) return undefined;
  if (source.typed && typeof value !== TYPE_OF_SPEC[spec.type]) {
    throw new ConfigError(`${label} must be ${describeType(spec)} (got ${value === null ? 'null' : typeof value} ${JSON.stringify(value)})`);
  }
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string' || value === '') throw new ConfigError(`${label} must be a non-empty string (got ${shown})`);
      return value;
    case 'file':
      if (typeof value !== 'string' || value === '') throw new ConfigError(`${label} must be a file path (got ${shown})`);
      return path.resolve(source.baseDir, value);
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

function describeType(spec: OptionSpec): string {
  switch (spec.type) {
    case 'integer':
      return `an integer from ${spec.min} to ${spec.max}`;
    case 'boolean':
      return 'true or false';
    case 'choice':
      return `one of ${spec.choices.map((choice) => JSON.stringify(choice)).join(', ')}`;
    case 'file':
      return 'a file path (a string)';
    default:
      return 'a string';
  }
}

/** Asset options with a syntax of their own. */
function checkAssetOptions(config: ServerConfig, sources: Partial<Record<OptionName, Source>>): void {
  const label = (name: OptionName) => sources[name]!.label;
  if (config.cors !== undefined && parseCorsOrigins(config.cors) === undefined) {
    throw new ConfigError(`${label('cors')} must be * or comma-separated origins such as https://app.example.com (got ${JSON.stringify(config.cors)})`);
  }
  if (config.cacheControl !== undefined) checkHeaderValue(config.cacheControl, label('cacheControl'));
  if (config.errorPage !== undefined) parseErrorPages(config.errorPage, label('errorPage'));
  if (config.spa !== undefined) filePathSegments(config.spa, label('spa'));
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
