// Starts a real server on 127.0.0.1 port 0 for behaviour tests, with its logs captured in memory.
// Imports only the composition root and config, never pipeline/ (STYLE.md §7).

import { PassThrough } from 'node:stream';
import { loadConfig, RawOptions } from '../../src/config/load';
import { createLogger } from '../../src/log/logger';
import { startServer } from '../../src/main';

export type Mode = 'async' | 'threaded';
export const MODES: Mode[] = ['async', 'threaded'];

export interface TestServer {
  /** http://… or https://… */
  readonly url: string;
  readonly port: number;
  /** The --redirect-http listener, when configured. */
  readonly redirectUrl: string | undefined;
  /** The --admin-port listener, when configured. */
  readonly adminUrl: string | undefined;
  /** SHA-256 fingerprint of the --tls-self-signed certificate, when configured. */
  readonly selfSignedFingerprint: string | undefined;
  /** Lines written to stdout (access log, info) and stderr (warn, error) so far. */
  readonly stdout: string[];
  readonly stderr: string[];
  /** As SIGHUP: re-read the config file, users, tokens, signing key, rules and TLS files (throws and keeps the old state if broken). */
  reload(): void;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Extra options as the CLI would pass them (`{ listing: false, logFormat: 'json' }`). */
  readonly options?: RawOptions;
  readonly workerFilename?: string;
}

function collectLines(into: string[]): PassThrough {
  const stream = new PassThrough();
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    into.push(...lines);
  });
  return stream;
}

export async function startTestServer(root: string, mode: Mode, extra: TestServerOptions = {}): Promise<TestServer> {
  const cli: RawOptions = {
    root,
    port: '0',
    host: '127.0.0.1',
    mode,
    ...(mode === 'threaded' ? { threads: '2' } : {}),
    gracePeriod: '2',
    quiet: true,
    ...extra.options,
  };
  const config = loadConfig({ cli, env: {} });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const logger = createLogger({
    format: config.logFormat,
    quiet: config.quiet,
    debug: config.debug,
    stdout: collectLines(stdout),
    stderr: collectLines(stderr),
  });
  const running = await startServer(config, { logger, workerFilename: extra.workerFilename, reloadConfig: () => loadConfig({ cli, env: {} }) });
  return {
    url: running.url,
    port: running.port,
    redirectUrl: running.redirectUrl,
    adminUrl: running.adminUrl,
    selfSignedFingerprint: running.selfSigned?.fingerprint256,
    stdout,
    stderr,
    reload: () => running.reload(),
    close: () => running.close(),
  };
}
