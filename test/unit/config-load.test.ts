import { mkdtempSync, realpathSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type LoadInputs, type RawOptions } from '../../src/config/load';
import { DEFAULT_GRACE_PERIOD_SECONDS, DEFAULT_SEND_TIMEOUT_SECONDS, DEFAULT_PORT } from '../../src/config/options';
import { ConfigError } from '../../src/errors/http-error';

let tmp: string;
let root: string;
let realRoot: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-config-'));
  root = path.join(tmp, 'site');
  mkdirSync(root);
  writeFileSync(path.join(tmp, 'file.txt'), 'not a directory');
  realRoot = realpathSync(root);
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** loadConfig with the temp root and an empty environment unless the caller says otherwise. */
function load(cli: RawOptions = {}, env: NodeJS.ProcessEnv = {}, extra: Partial<LoadInputs> = {}) {
  return loadConfig({ cli: { root, ...cli }, env, ...extra });
}

/** The ConfigError message `fn` throws; fails the test when it throws nothing or something else. */
function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

describe('loadConfig defaults', () => {
  test('every option gets its table default when neither env nor CLI set it', () => {
    expect(load()).toEqual({
      root: realRoot,
      port: DEFAULT_PORT,
      host: '127.0.0.1',
      mode: 'threaded',
      threads: os.availableParallelism(),
      listing: true,
      logFormat: 'combined',
      quiet: false,
      debug: false,
      authUsers: undefined,
      authTokens: undefined,
      signingKeyFile: undefined,
      authRules: undefined,
      config: undefined,
      authRealm: 'tinyhttp',
      authMaxFailures: 10,
      authFailureWindow: 60,
      cacheControl: undefined,
      cacheControlRules: [],
      cleanUrls: false,
      cors: undefined,
      errorPage: undefined,
      headerRules: [],
      securityHeaders: true,
      spa: undefined,
      compress: true,
      compressLevel: 6,
      precompressed: true,
      cache: true,
      cacheSize: 64,
      cacheTtl: 1000,
      tlsCert: undefined,
      tlsKey: undefined,
      tlsPassphraseFile: undefined,
      tlsSelfSigned: false,
      tlsMinVersion: 'TLSv1.2',
      tlsClientCa: undefined,
      tlsClientAuth: 'required',
      hsts: 0,
      redirectHttp: undefined,
      publicHost: undefined,
      adminPort: undefined,
      adminHost: '127.0.0.1',
      workerTimeout: 30,
      maxConnections: 4096,
      maxQueue: 1024,
      headerTimeout: 10,
      requestTimeout: 30,
      keepAliveTimeout: 5,
      maxHeaderSize: 16384,
      sendTimeout: DEFAULT_SEND_TIMEOUT_SECONDS,
      gracePeriod: DEFAULT_GRACE_PERIOD_SECONDS,
    });
  });

  test('the default port is 6789 and the default host is 127.0.0.1', () => {
    const config = load();
    expect(config.port).toBe(6789);
    expect(config.host).toBe('127.0.0.1');
  });

  test('the result is frozen', () => {
    const config = load();
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  test('an empty environment variable counts as unset', () => {
    expect(load({}, { TINYHTTP_PORT: '', TINYHTTP_MODE: '' }).port).toBe(DEFAULT_PORT);
    expect(load({}, { TINYHTTP_MODE: '' }).mode).toBe('threaded');
  });

  test('loadConfig reads only the env it is given, not process.env', () => {
    const saved = process.env.TINYHTTP_PORT;
    process.env.TINYHTTP_PORT = '1234';
    try {
      expect(load().port).toBe(DEFAULT_PORT);
    } finally {
      if (saved === undefined) delete process.env.TINYHTTP_PORT;
      else process.env.TINYHTTP_PORT = saved;
    }
  });
});

describe('loadConfig precedence: defaults < env < CLI', () => {
  type Row = [string, RawOptions, NodeJS.ProcessEnv, RawOptions | undefined, keyof ReturnType<typeof load>, unknown];
  test.each<Row>([
    ['port from the table default', {}, {}, undefined, 'port', 6789],
    ['port from TINYHTTP_PORT', {}, { TINYHTTP_PORT: '8080' }, undefined, 'port', 8080],
    ['port from --port over TINYHTTP_PORT', { port: '9090' }, { TINYHTTP_PORT: '8080' }, undefined, 'port', 9090],
    ['port from --port alone', { port: '0' }, {}, undefined, 'port', 0],
    ['host from TINYHTTP_HOST', {}, { TINYHTTP_HOST: '0.0.0.0' }, undefined, 'host', '0.0.0.0'],
    ['host from --host over TINYHTTP_HOST', { host: '::1' }, { TINYHTTP_HOST: '0.0.0.0' }, undefined, 'host', '::1'],
    ['mode from the table default', {}, {}, undefined, 'mode', 'threaded'],
    ['mode from the binary default (tinyhttp)', {}, {}, { mode: 'async' }, 'mode', 'async'],
    ['mode from TINYHTTP_MODE over the binary default', {}, { TINYHTTP_MODE: 'threaded' }, { mode: 'async' }, 'mode', 'threaded'],
    ['mode from --mode over TINYHTTP_MODE', { mode: 'async' }, { TINYHTTP_MODE: 'threaded' }, undefined, 'mode', 'async'],
    ['listing from TINYHTTP_LISTING=0', {}, { TINYHTTP_LISTING: '0' }, undefined, 'listing', false],
    ['listing from --no-listing over TINYHTTP_LISTING', { listing: false }, { TINYHTTP_LISTING: 'true' }, undefined, 'listing', false],
    ['quiet from TINYHTTP_QUIET=YES', {}, { TINYHTTP_QUIET: 'YES' }, undefined, 'quiet', true],
    ['debug from TINYHTTP_DEBUG=on', {}, { TINYHTTP_DEBUG: 'on' }, undefined, 'debug', true],
    ['debug from TINYHTTP_DEBUG=off', {}, { TINYHTTP_DEBUG: 'off' }, undefined, 'debug', false],
    ['logFormat from TINYHTTP_LOG_FORMAT', {}, { TINYHTTP_LOG_FORMAT: 'json' }, undefined, 'logFormat', 'json'],
    ['logFormat from --log-format over env', { logFormat: 'combined' }, { TINYHTTP_LOG_FORMAT: 'json' }, undefined, 'logFormat', 'combined'],
    ['gracePeriod from TINYHTTP_GRACE_PERIOD', {}, { TINYHTTP_GRACE_PERIOD: ' 30 ' }, undefined, 'gracePeriod', 30],
    ['gracePeriod from --grace-period over env', { gracePeriod: '0' }, { TINYHTTP_GRACE_PERIOD: '30' }, undefined, 'gracePeriod', 0],
    ['threads from TINYHTTP_THREADS', {}, { TINYHTTP_THREADS: '3' }, undefined, 'threads', 3],
    ['threads from --threads over env', { threads: '5' }, { TINYHTTP_THREADS: '3' }, undefined, 'threads', 5],
  ])('%s', (_name, cli, env, defaults, key, expected) => {
    expect(load(cli, env, defaults === undefined ? {} : { defaults })[key]).toEqual(expected);
  });

  test('a root from TINYHTTP_ROOT is used when the CLI gives none', () => {
    expect(loadConfig({ cli: {}, env: { TINYHTTP_ROOT: root } }).root).toBe(realRoot);
  });

  test('a relative root is resolved against cwd and returned as a real absolute path', () => {
    expect(loadConfig({ cli: { root: 'site' }, env: {}, cwd: tmp }).root).toBe(realRoot);
    expect(loadConfig({ cli: { root: '.' }, env: {}, cwd: root }).root).toBe(realRoot);
  });

  test('the CLI root beats TINYHTTP_ROOT', () => {
    expect(loadConfig({ cli: { root }, env: { TINYHTTP_ROOT: path.join(tmp, 'missing') } }).root).toBe(realRoot);
  });
});

describe('loadConfig threads and mode', () => {
  test.each<[string, RawOptions, NodeJS.ProcessEnv, RawOptions | undefined]>([
    ['--threads alone', { threads: '4' }, {}, undefined],
    ['--threads with the async binary default', { threads: '4' }, {}, { mode: 'async' }],
    ['TINYHTTP_THREADS with the async binary default', {}, { TINYHTTP_THREADS: '4' }, { mode: 'async' }],
    ['--threads with --mode threaded', { threads: '4', mode: 'threaded' }, {}, undefined],
  ])('%s selects the threaded engine', (_name, cli, env, defaults) => {
    const config = load(cli, env, defaults === undefined ? {} : { defaults });
    expect(config.mode).toBe('threaded');
    expect(config.threads).toBe(4);
  });

  test('--threads beats TINYHTTP_MODE=async (a flag outranks the environment)', () => {
    const config = load({ threads: '4' }, { TINYHTTP_MODE: 'async' });
    expect(config.mode).toBe('threaded');
    expect(config.threads).toBe(4);
  });

  test('--mode async beats TINYHTTP_THREADS (a flag outranks the environment)', () => {
    expect(load({ mode: 'async' }, { TINYHTTP_THREADS: '4' }).mode).toBe('async');
  });

  test.each<[string, RawOptions, NodeJS.ProcessEnv]>([
    ['--threads with --mode async', { threads: '4', mode: 'async' }, {}],
    ['TINYHTTP_THREADS with TINYHTTP_MODE=async', {}, { TINYHTTP_THREADS: '4', TINYHTTP_MODE: 'async' }],
  ])('%s (one channel saying both) is a contradiction reported as a ConfigError', (_name, cli, env) => {
    const message = configErrorOf(() => load(cli, env));
    expect(message).toMatch(/^(--threads|TINYHTTP_THREADS) requires --mode threaded \(got (--mode|TINYHTTP_MODE) async\)$/);
    expect(message).not.toContain('\n');
  });
});

describe('loadConfig validation messages', () => {
  test.each<[string, RawOptions, NodeJS.ProcessEnv, string, string]>([
    ['port "abc" on the CLI', { port: 'abc' }, {}, '--port', '"abc"'],
    ['port "abc" in the env', {}, { TINYHTTP_PORT: 'abc' }, 'TINYHTTP_PORT', '"abc"'],
    ['port 70000', { port: '70000' }, {}, '--port', '70000'],
    ['port -1', { port: '-1' }, {}, '--port', '-1'],
    ['port 80.5', { port: '80.5' }, {}, '--port', '80.5'],
    ['port 1e3', { port: '1e3' }, {}, '--port', '1e3'],
    ['port empty on the CLI', { port: '' }, {}, '--port', '""'],
    ['port with a newline in the value', { port: '8\n0' }, {}, '--port', '8\\n0'],
    ['threads 0', { threads: '0' }, {}, '--threads', '"0"'],
    ['threads 257', { threads: '257' }, {}, '--threads', '257'],
    ['threads 0 in the env', {}, { TINYHTTP_THREADS: '0' }, 'TINYHTTP_THREADS', '"0"'],
    ['mode "fast"', { mode: 'fast' }, {}, '--mode', '"fast"'],
    ['mode "fast" in the env', {}, { TINYHTTP_MODE: 'fast' }, 'TINYHTTP_MODE', '"fast"'],
    ['mode in the wrong case', { mode: 'ASYNC' }, {}, '--mode', '"ASYNC"'],
    ['log-format "xml"', { logFormat: 'xml' }, {}, '--log-format', '"xml"'],
    ['log-format "xml" in the env', {}, { TINYHTTP_LOG_FORMAT: 'xml' }, 'TINYHTTP_LOG_FORMAT', '"xml"'],
    ['boolean env "maybe"', {}, { TINYHTTP_QUIET: 'maybe' }, 'TINYHTTP_QUIET', '"maybe"'],
    ['boolean env "maybe" for listing', {}, { TINYHTTP_LISTING: 'maybe' }, 'TINYHTTP_LISTING', '"maybe"'],
    ['boolean env "2" for debug', {}, { TINYHTTP_DEBUG: '2' }, 'TINYHTTP_DEBUG', '"2"'],
    ['grace period 3601', { gracePeriod: '3601' }, {}, '--grace-period', '3601'],
    ['host empty on the CLI', { host: '' }, {}, '--host', '""'],
  ])('%s → one line naming %s and showing %s', (_name, cli, env, label, shown) => {
    const message = configErrorOf(() => load(cli, env));
    expect(message).not.toMatch(/[\r\n]/);
    expect(message.startsWith(label + ' ')).toBe(true);
    expect(message).toContain(shown);
  });

  test.each([
    ['missing', () => path.join(tmp, 'missing'), 'does not exist'],
    ['a file', () => path.join(tmp, 'file.txt'), 'is not a directory'],
  ])('a root that is %s is a one-line ConfigError saying it %s', (_name, rootOf, phrase) => {
    const badRoot = rootOf();
    const message = configErrorOf(() => loadConfig({ cli: { root: badRoot }, env: {} }));
    expect(message).toContain(phrase);
    expect(message).toContain(badRoot);
    expect(message).not.toMatch(/[\r\n]/);
  });

  test('a missing root from TINYHTTP_ROOT says it does not exist', () => {
    const message = configErrorOf(() => loadConfig({ cli: {}, env: { TINYHTTP_ROOT: path.join(tmp, 'nope') } }));
    expect(message).toContain('does not exist');
  });
});

describe('loadConfig TLS options', () => {
  test.each<[string, RawOptions, NodeJS.ProcessEnv, RegExp]>([
    ['cert without key', { tlsCert: 'c.pem' }, {}, /^--tls-cert and --tls-key go together: give both or neither$/],
    ['key without cert', { tlsKey: 'k.pem' }, {}, /^--tls-cert and --tls-key go together/],
    ['self-signed and a cert', { tlsSelfSigned: true, tlsCert: 'c.pem', tlsKey: 'k.pem' }, {}, /^--tls-self-signed and --tls-cert exclude each other$/],
    ['passphrase without key', { tlsPassphraseFile: 'p' }, {}, /^--tls-passphrase-file needs --tls-key$/],
    ['passphrase from env without key', {}, { TINYHTTP_TLS_PASSPHRASE_FILE: 'p' }, /^TINYHTTP_TLS_PASSPHRASE_FILE needs --tls-key$/],
    ['hsts on plain HTTP', { hsts: '600' }, {}, /^--hsts needs HTTPS/],
    ['redirect on plain HTTP', { redirectHttp: '8080' }, {}, /^--redirect-http needs HTTPS/],
    ['client CA on plain HTTP', { tlsClientCa: 'ca.pem' }, {}, /^--tls-client-ca needs HTTPS/],
    ['min version on plain HTTP', {}, { TINYHTTP_TLS_MIN_VERSION: 'TLSv1.3' }, /^TINYHTTP_TLS_MIN_VERSION needs HTTPS/],
    ['client auth without CA', { tlsSelfSigned: true, tlsClientAuth: 'optional' }, {}, /^--tls-client-auth needs --tls-client-ca$/],
    ['redirect port equal to the HTTPS port', { tlsSelfSigned: true, port: '8443', redirectHttp: '8443' }, {}, /^--redirect-http 8443 is also the HTTPS --port$/],
    ['TLS 1.1 as minimum', { tlsSelfSigned: true, tlsMinVersion: 'TLSv1.1' }, {}, /^--tls-min-version must be one of TLSv1.2, TLSv1.3 \(got "TLSv1.1"\)$/],
    ['hsts beyond two years', { tlsSelfSigned: true, hsts: '99999999' }, {}, /^--hsts must be an integer from 0 to 63072000/],
    ['public host with userinfo', { tlsSelfSigned: true, publicHost: 'evil@good.example' }, {}, /^--public-host must be a host name/],
    ['public host with a path', { tlsSelfSigned: true, publicHost: 'good.example/x' }, {}, /^--public-host must be a host name/],
  ])('%s is one line naming the flags', (_name, cli, env, message) => {
    expect(() => load(cli, env)).toThrow(ConfigError);
    expect(() => load(cli, env)).toThrow(message);
  });

  test('a consistent HTTPS configuration loads, file paths made absolute', () => {
    const config = load({ tlsCert: 'c.pem', tlsKey: 'k.pem', hsts: '600', redirectHttp: '0', publicHost: 'assets.example.com:8443' }, {}, { cwd: '/srv' });
    expect(config.tlsCert).toBe('/srv/c.pem');
    expect(config.tlsKey).toBe('/srv/k.pem');
    expect(config.hsts).toBe(600);
    expect(config.redirectHttp).toBe(0);
    expect(config.publicHost).toBe('assets.example.com:8443');
  });
});

describe('loadConfig --config file', () => {
  let n = 0;
  /** Writes a config file in its own folder and returns its path. */
  function configFile(content: unknown): string {
    const dir = path.join(tmp, `conf-${++n}`);
    mkdirSync(dir);
    const file = path.join(dir, 'tinyhttp.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  test('precedence: defaults < file < environment < flags', () => {
    const file = configFile({ port: 7001, host: '0.0.0.0', logFormat: 'json', quiet: true });
    const config = load({ config: file, host: '::1' }, { TINYHTTP_PORT: '7002' });
    expect(config.port).toBe(7002);
    expect(config.host).toBe('::1');
    expect(config.logFormat).toBe('json');
    expect(config.quiet).toBe(true);
    expect(config.gracePeriod).toBe(DEFAULT_GRACE_PERIOD_SECONDS);
    expect(config.config).toBe(file);
  });

  test('TINYHTTP_CONFIG names the file too; flag spellings are accepted as keys', () => {
    const file = configFile({ 'log-format': 'json', 'send-timeout': 5 });
    const config = load({}, { TINYHTTP_CONFIG: file });
    expect(config.logFormat).toBe('json');
    expect(config.sendTimeout).toBe(5);
  });

  test('relative paths in the file (root, secret files) are relative to the file', () => {
    const file = configFile({ root: '../site', authUsers: 'users' });
    const config = loadConfig({ cli: { config: file }, env: {}, cwd: '/' });
    expect(config.root).toBe(realRoot);
    expect(config.authUsers).toBe(path.join(path.dirname(file), 'users'));
  });

  test('a thread count in the file implies threaded, but an async flag wins', () => {
    const file = configFile({ threads: 3 });
    expect(load({ config: file }, {}, { defaults: { mode: 'async' } }).mode).toBe('threaded');
    expect(load({ config: file, mode: 'async' }).mode).toBe('async');
  });

  test.each<[string, unknown, RegExp]>([
    ['an unknown key', { prot: 80 }, /tinyhttp\.json: unknown key "prot" \(expected an option name such as "port" or "logFormat", or "cacheControlRules", "headers"\)$/],
    ['"config" inside the file', { config: 'other.json' }, /unknown key "config"/],
    ['a key spelled both ways', { logFormat: 'json', 'log-format': 'combined' }, /"log-format" repeats an option already given$/],
    ['a string where a number belongs', { port: '8080' }, /tinyhttp\.json: "port" must be an integer from 0 to 65535 \(got string "8080"\)$/],
    ['a fraction', { port: 80.5 }, /"port" must be an integer from 0 to 65535 \(got "80.5"\)$/],
    ['a string where a boolean belongs', { quiet: 'yes' }, /"quiet" must be true or false \(got string "yes"\)$/],
    ['null', { host: null }, /"host" must be a string \(got null null\)$/],
    ['a bad choice', { mode: 'fast' }, /"mode" must be one of async, threaded \(got "fast"\)$/],
    ['a number where a path belongs', { authUsers: 1 }, /"authUsers" must be a file path \(a string\) \(got number 1\)$/],
    ['an array instead of an object', [1, 2], /must hold a JSON object of options$/],
    ['broken JSON', '{"port": 80,,}', /^--config ".*tinyhttp\.json" is not valid JSON/],
  ])('%s is one line naming the file and key', (_name, content, message) => {
    const file = configFile(content);
    expect(configErrorOf(() => load({ config: file }))).toMatch(message);
  });

  test('a missing file says so', () => {
    expect(configErrorOf(() => load({ config: path.join(tmp, 'nope.json') }))).toMatch(/^--config ".*nope\.json" cannot be read \(ENOENT\)$/);
    expect(configErrorOf(() => load({}, { TINYHTTP_CONFIG: path.join(tmp, 'nope.json') }))).toMatch(/^TINYHTTP_CONFIG /);
  });
});

describe('examples/tinyhttp.json', () => {
  test('loads, and every key in it is an option', () => {
    const example = path.join(__dirname, '../../examples/tinyhttp.json');
    // Its root is a deployment path; the flag points it at this test's folder.
    const config = load({ config: example });
    expect(config.port).toBe(8443);
    expect(config.mode).toBe('threaded');
    expect(config.threads).toBe(4);
    expect(config.tlsCert).toBe('/etc/tinyhttp/tls/tls.crt');
    expect(config.redirectHttp).toBe(8080);
    expect(config.publicHost).toBe('assets.example.com');
  });
});
