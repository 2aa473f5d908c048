// Composition root: config → logger → engine → pipeline → listener. The CLI binaries call runCli;
// tests call startServer directly with a config built by loadConfig.

import { existsSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { parseArgs } from './cli/args';
import { runConfig, runGenToken, runHashPassword, runSignUrl } from './cli/commands';
import { loadConfig } from './config/load';
import type { ServerConfig } from './config/options';
import type { ResolverOptions } from './core/resolution';
import { createAsyncEngine } from './engine/async-engine';
import type { Engine, EngineMode } from './engine/engine';
import { createThreadedEngine } from './engine/threaded-engine';
import { AuthStore, loadAuthState } from './auth/state';
import { ConfigError } from './errors/http-error';
import { createLogger, Logger } from './log/logger';
import { createPipeline } from './pipeline';
import { drain, listen } from './server/lifecycle';
import { createListener } from './server/listener';

/** Files up to this size are read whole (and moved from a worker in one transfer); larger ones stream. */
export const SMALL_FILE_MAX_BYTES = 64 * 1024;
export const INDEX_NAMES = ['index.html'];

export interface StartOptions {
  /** Defaults to a winston logger on stdout/stderr built from the config. */
  readonly logger?: Logger;
  /** Threaded engine only: a different compiled worker module (tests wrap the real one). */
  readonly workerFilename?: string;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly engine: Engine;
  readonly server: http.Server;
  readonly logger: Logger;
  /** Re-reads users, tokens, signing key and rules; throws a ConfigError and keeps the old set when one is broken. */
  reload(): void;
  /** Graceful stop: drain within the config's grace period, then close the pool. Idempotent. */
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const logger =
    options.logger ?? createLogger({ format: config.logFormat, quiet: config.quiet, debug: config.debug });
  const loadAuth = () => loadAuthState(config, (message) => logger.warn(message));
  const auth = new AuthStore(loadAuth(), loadAuth);
  const authOptions = { maxFailures: config.authMaxFailures, failureWindowMs: config.authFailureWindow * 1000 };
  const resolverOptions: ResolverOptions = {
    root: config.root,
    listing: config.listing,
    indexNames: INDEX_NAMES,
    smallFileMaxBytes: SMALL_FILE_MAX_BYTES,
  };
  const engine =
    config.mode === 'threaded'
      ? createThreadedEngine(resolverOptions, { threads: config.threads, workerFilename: options.workerFilename })
      : createAsyncEngine(resolverOptions);

  let draining = false;
  const server = createListener(createPipeline({ engine, auth, authOptions, logger, isDraining: () => draining }), logger, engine.mode, {
    sendTimeoutMs: config.sendTimeout * 1000,
  });
  let address;
  try {
    address = await listen(server, config.port, config.host);
  } catch (error) {
    await engine.close();
    throw error;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    engine,
    server,
    logger,
    reload: () => auth.reload(),
    close() {
      closing ??= (async () => {
        draining = true;
        await drain(server, config.gracePeriod * 1000);
        // Connections closed by force emit their responses' 'close' (and access lines) next.
        await new Promise((resolve) => setImmediate(resolve));
        await engine.close();
      })();
      return closing;
    },
  };
}

export function describeStart(binaryName: string, version: string, running: RunningServer, config: ServerConfig): string {
  const engine =
    running.engine.mode === 'threaded'
      ? `mode threaded, ${running.engine.threads} thread${running.engine.threads === 1 ? '' : 's'}`
      : 'mode async, event loop only';
  return `${binaryName} ${version} serving ${config.root} at ${running.url}/ (${engine}, pid ${process.pid})`;
}

export function readPackageVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) return (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
    dir = path.dirname(dir);
  }
  return 'unknown';
}

export interface CliProfile {
  readonly binaryName: string;
  readonly defaultMode: EngineMode;
}

/**
 * Entry point of both binaries. A start-up problem prints one line on stderr and exits 1;
 * SIGINT/SIGTERM drain and exit 0.
 */
export async function runCli(argv: readonly string[], profile: CliProfile): Promise<void> {
  const version = readPackageVersion();
  const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
  let config: ServerConfig;
  let running: RunningServer;
  try {
    const invocation = parseArgs(argv, profile.binaryName, version, profile.defaultMode);
    if (invocation.command === 'hash-password') return await runHashPassword(invocation.name, invocation.roles, io);
    if (invocation.command === 'gen-token') return runGenToken(invocation.name, invocation.roles, io);
    config = loadConfig({ cli: invocation.options, env: process.env, defaults: { mode: profile.defaultMode } });
    if (invocation.command === 'sign-url') return runSignUrl(invocation.path, invocation.expires, config, io);
    if (invocation.command === 'config') return runConfig(config, io);
    running = await startServer(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${profile.binaryName}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const stop = (signal: NodeJS.Signals) => {
    running.logger.info(`${signal} received, finishing in-flight requests (up to ${config.gracePeriod}s)`);
    void running
      .close()
      .then(() => running.logger.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // SIGHUP swaps users, tokens, signing key and rules atomically; open connections are untouched.
  process.on('SIGHUP', () => {
    try {
      running.reload();
      running.logger.info('SIGHUP: reloaded users, tokens, signing key and rules');
    } catch (error) {
      const message = error instanceof ConfigError ? error.message : String(error);
      running.logger.error(`SIGHUP: reload failed, keeping the previous set: ${message}`);
    }
  });
  // Announce only once the signal handlers are in place: whoever waits for this line may stop us at once.
  running.logger.info(describeStart(profile.binaryName, version, running, config));
}
