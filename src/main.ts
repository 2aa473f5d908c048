// Composition root: config → logger → engine → pipeline → listener. The CLI binaries call runCli;
// tests call startServer directly with a config built by loadConfig.

import { constants as fsConstants, existsSync, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import type http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseArgs } from './cli/args';
import { runConfig, runGenToken, runHashPassword, runSignUrl } from './cli/commands';
import { loadConfig } from './config/load';
import { OptionName, ServerConfig, toFlagName } from './config/options';
import type { ResolverOptions } from './core/resolution';
import { createAsyncEngine } from './engine/async-engine';
import type { Engine, EngineMode } from './engine/engine';
import { createThreadedEngine } from './engine/threaded-engine';
import { CachingEngine, withHotCache } from './engine/hot-cache';
import { AuthStore, loadAuthState } from './auth/state';
import { ConfigError } from './errors/http-error';
import { createLogger, Logger } from './log/logger';
import { createPipeline } from './pipeline';
import { filePathSegments, parseErrorPages } from './config/asset-rules';
import { parseCorsOrigins } from './http/cors';
import { parseHostAndPort } from './http/host';
import { drain, listen } from './server/lifecycle';
import { createListener, Listener } from './server/listener';
import { createAdminServer } from './server/admin';
import { createMetrics, NO_METRICS } from './server/metrics';
import { createRedirectHandler } from './server/redirect';
import { IssuedCertificate, selfSignedForLocalhost } from './tls/certificates';
import { loadTlsMaterial, secureContextOptions, tlsFiles, TlsMaterial } from './tls/material';
import { FileWatch, watchFiles } from './tls/watch';

/** Files up to this size are read whole (and moved from a worker in one transfer); larger ones stream. */
export const SMALL_FILE_MAX_BYTES = 64 * 1024;
export const INDEX_NAMES = ['index.html'];

/**
 * Options a reload cannot change: they shape listeners, the pool or the logger, which live as
 * long as the process. A changed value is reported and keeps its old value until a restart.
 */
const RESTART_ONLY = [
  'root', 'config', 'port', 'host', 'mode', 'threads', 'listing', 'logFormat', 'quiet', 'debug', 'tlsCert', 'tlsKey',
  'tlsPassphraseFile', 'tlsSelfSigned', 'tlsMinVersion', 'tlsClientCa', 'tlsClientAuth', 'redirectHttp', 'publicHost',
  'adminPort', 'adminHost', 'workerTimeout', 'maxConnections', 'maxQueue', 'headerTimeout', 'requestTimeout',
  'keepAliveTimeout', 'maxHeaderSize', 'sendTimeout', 'cache', 'cacheSize', 'cacheTtl',
] as const satisfies readonly OptionName[];

export interface StartOptions {
  /** Re-reads the configuration (the config file, environment and flags) for reload(). */
  readonly reloadConfig?: () => ServerConfig;
  /** Defaults to a winston logger on stdout/stderr built from the config. */
  readonly logger?: Logger;
  /** Threaded engine only: a different compiled worker module (tests wrap the real one). */
  readonly workerFilename?: string;
}

export interface RunningServer {
  /** `http://…` or, with TLS, `https://…`. */
  readonly url: string;
  readonly port: number;
  /** The --redirect-http listener's URL, when there is one. */
  readonly redirectUrl: string | undefined;
  /** The --admin-port listener's URL (/healthz, /readyz, /metrics), when there is one. */
  readonly adminUrl: string | undefined;
  readonly engine: Engine;
  readonly server: net.Server;
  readonly logger: Logger;
  /** What reload() re-reads, in words, for the SIGHUP log line. */
  readonly reloads: string;
  /** The --tls-self-signed certificate, when that is what the server uses. */
  readonly selfSigned: IssuedCertificate | undefined;
  /**
   * Re-reads users, tokens, signing key and rules, and the TLS certificate, key and client CA.
   * Each set is swapped whole; a broken one keeps its old state and the ConfigError is thrown.
   */
  reload(): void;
  /** Graceful stop: drain within the config's grace period, then close the pool. Idempotent. */
  close(): Promise<void>;
}

export async function startServer(initialConfig: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  /** The configuration in force; a reload that re-reads the config file replaces it whole. */
  let config = initialConfig;
  const logger =
    options.logger ?? createLogger({ format: config.logFormat, quiet: config.quiet, debug: config.debug });
  const loadAuth = () => loadAuthState(config, (message) => logger.warn(message));
  const auth = new AuthStore(loadAuth(), loadAuth);
  const resolverOptions: ResolverOptions = {
    root: config.root,
    listing: config.listing,
    indexNames: INDEX_NAMES,
    smallFileMaxBytes: SMALL_FILE_MAX_BYTES,
  };
  // Metrics only with an admin port to read them from; the pool and the cache are asked when scraped.
  let engine: Engine;
  let hotCache: CachingEngine | undefined;
  const { metrics, registry } =
    config.adminPort === undefined
      ? { metrics: NO_METRICS, registry: undefined }
      : createMetrics({
          poolStats: config.mode === 'threaded' ? () => engine.stats!() : undefined,
          cacheStats: config.cache ? () => hotCache!.cacheStats() : undefined,
        });
  const coreEngine =
    config.mode === 'threaded'
      ? createThreadedEngine(resolverOptions, {
          threads: config.threads,
          maxQueue: config.maxQueue,
          taskTimeoutMs: config.workerTimeout * 1000,
          workerFilename: options.workerFilename,
          onWorkerFailure: () => metrics.workerFailure(),
        })
      : createAsyncEngine(resolverOptions);
  if (config.cache) {
    hotCache = withHotCache(coreEngine, { maxBytes: config.cacheSize * 1024 * 1024, ttlMs: config.cacheTtl });
    engine = hotCache;
  } else {
    engine = coreEngine;
  }

  let draining = false;
  const connectionLimits = {
    sendTimeoutMs: config.sendTimeout * 1000,
    maxConnections: config.maxConnections,
    headerTimeoutMs: config.headerTimeout * 1000,
    requestTimeoutMs: config.requestTimeout * 1000,
    keepAliveTimeoutMs: config.keepAliveTimeout * 1000,
    maxHeaderSize: config.maxHeaderSize,
  };
  const warn = (message: string) => logger.warn(message);
  const selfSigned = config.tlsSelfSigned ? await selfSignedForLocalhost() : undefined;
  const secure = config.tlsCert !== undefined || selfSigned !== undefined;
  const loadTls = (): TlsMaterial => loadTlsMaterial(config, warn, selfSigned);
  const buildPipeline = (cfg: ServerConfig) =>
    createPipeline({
      engine,
      auth,
      authOptions: { maxFailures: cfg.authMaxFailures, failureWindowMs: cfg.authFailureWindow * 1000 },
      encodeOptions: { compress: cfg.compress, compressLevel: cfg.compressLevel, precompressed: cfg.precompressed },
      logger,
      isDraining: () => draining,
      responseHeaders: secure && cfg.hsts > 0 ? { 'Strict-Transport-Security': `max-age=${cfg.hsts}` } : {},
      headerOptions: {
        securityHeaders: cfg.securityHeaders,
        cors: cfg.cors === undefined ? undefined : parseCorsOrigins(cfg.cors),
        cacheControl: cfg.cacheControl,
        cacheControlRules: cfg.cacheControlRules,
        headerRules: cfg.headerRules,
      },
      indexName: INDEX_NAMES[0],
      cleanUrls: cfg.cleanUrls,
      sendTimeoutMs: cfg.sendTimeout * 1000,
      metrics,
      errorPages: cfg.errorPage === undefined ? new Map() : parseErrorPages(cfg.errorPage, '--error-page'),
      spa: cfg.spa === undefined ? undefined : filePathSegments(cfg.spa, '--spa'),
      hotCache: hotCache === undefined ? undefined : { engine: hotCache, maxBytes: cfg.cacheSize * 1024 * 1024 },
    });
  let pipeline: ReturnType<typeof createPipeline>;
  let listener: Listener | undefined;
  let redirectListener: Listener | undefined;
  let address: net.AddressInfo;
  let redirectAddress: net.AddressInfo | undefined;
  let adminServer: http.Server | undefined;
  let adminAddress: net.AddressInfo | undefined;
  try {
    const tlsMaterial = secure ? loadTls() : undefined;
    pipeline = buildPipeline(config);
    listener = createListener((req, res) => pipeline(req, res), logger, engine.mode, {
      ...connectionLimits,
      metrics,
      tls:
        tlsMaterial === undefined
          ? undefined
          : {
              context: secureContextOptions(tlsMaterial, config.tlsMinVersion),
              clientAuth: config.tlsClientCa === undefined ? undefined : config.tlsClientAuth,
            },
    });
    address = await listen(listener.server, config.port, config.host);
    if (config.redirectHttp !== undefined) {
      const httpsPort = address.port;
      const publicHost = config.publicHost === undefined ? undefined : parseHostAndPort(config.publicHost);
      redirectListener = createListener(createRedirectHandler({ publicHost, httpsPort: () => httpsPort }, logger), logger, 'redirect', {
        ...connectionLimits,
      });
      redirectAddress = await listen(redirectListener.server, config.redirectHttp, config.host);
    }
    if (config.adminPort !== undefined) {
      adminServer = createAdminServer({
        registry: registry!,
        // Ready: listening (we are past listen), not shutting down, and the root still readable.
        isReady: async () => !draining && (await access(config.root, fsConstants.R_OK | fsConstants.X_OK).then(() => true, () => false)),
      });
      adminAddress = await listen(adminServer, config.adminPort, config.adminHost);
    }
  } catch (error) {
    listener?.server.close();
    redirectListener?.server.close();
    await engine.close();
    throw error;
  }
  const mainListener = listener;
  let tlsWatch: FileWatch | undefined;
  const reloadTls = () => {
    // A signal and the file poll both noticing the same renewal load it once.
    tlsWatch?.resync();
    const next = loadTls();
    mainListener.setSecureContext(secureContextOptions(next, config.tlsMinVersion));
    logger.info(`TLS certificate loaded: ${next.description}`);
  };
  if (secure && selfSigned === undefined) {
    tlsWatch = watchFiles(tlsFiles(config), () => {
      try {
        reloadTls();
      } catch (error) {
        logger.error(`TLS files changed but cannot be used, keeping the previous certificate: ${(error as Error).message}`);
      }
    });
  }

  const urlOf = (scheme: string, bound: net.AddressInfo) =>
    `${scheme}://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  let closing: Promise<void> | undefined;
  return {
    url: urlOf(secure ? 'https' : 'http', address),
    port: address.port,
    redirectUrl: redirectAddress === undefined ? undefined : urlOf('http', redirectAddress),
    adminUrl: adminAddress === undefined ? undefined : urlOf('http', adminAddress),
    engine,
    server: mainListener.server,
    logger,
    selfSigned,
    reloads: describeReloads(config, secure && selfSigned === undefined),
    reload() {
      // Everything is read and checked first; only then is anything swapped, so a broken file
      // (config, users, key, certificate) leaves the whole previous state in force.
      let next = config;
      if (options.reloadConfig !== undefined) {
        const reread = options.reloadConfig();
        const fixed = RESTART_ONLY.filter((name) => !isDeepStrictEqual(reread[name], config[name]));
        if (fixed.length > 0) {
          logger.warn(`reload: ${fixed.map((name) => '--' + toFlagName(name)).join(', ')} changed; that takes a restart`);
        }
        next = Object.freeze({ ...reread, ...Object.fromEntries(RESTART_ONLY.map((name) => [name, config[name]])) }) as ServerConfig;
      }
      const nextAuth = loadAuthState(next, warn);
      const nextTls = secure ? loadTlsMaterial(next, warn, selfSigned) : undefined;
      const nextPipeline = next === config ? pipeline : buildPipeline(next);
      config = next;
      auth.replace(nextAuth);
      if (nextTls !== undefined) {
        tlsWatch?.resync();
        mainListener.setSecureContext(secureContextOptions(nextTls, config.tlsMinVersion));
        logger.info(`TLS certificate loaded: ${nextTls.description}`);
      }
      pipeline = nextPipeline;
      // A reload is when operators expect what they deployed to show: no waiting out the TTL.
      hotCache?.clearCache();
    },
    close() {
      closing ??= (async () => {
        draining = true;
        tlsWatch?.stop();
        await Promise.all([drain(mainListener, config.gracePeriod * 1000), redirectListener && drain(redirectListener, config.gracePeriod * 1000)]);
        // The server's count drops before the sockets' 'close' (libuv's close phase), and with it
        // the responses' 'close' that writes their access lines: wait for those.
        await Promise.all([mainListener.allClosed(), redirectListener?.allClosed()]);
        await engine.close();
        // Last, so the load balancer sees /readyz answer 503 for the whole drain.
        if (adminServer !== undefined) {
          adminServer.closeAllConnections();
          await new Promise((resolve) => adminServer!.close(resolve));
        }
      })();
      return closing;
    },
  };
}

function describeReloads(config: ServerConfig, tlsFiles: boolean): string {
  const parts = [
    config.config !== undefined && 'config file',
    config.authUsers !== undefined && 'users',
    config.authTokens !== undefined && 'tokens',
    config.signingKeyFile !== undefined && 'signing key',
    config.authRules !== undefined && 'rules',
    tlsFiles && 'TLS certificate and key',
    config.tlsClientCa !== undefined && 'client CA',
  ].filter((part): part is string => part !== false);
  const files = parts.length === 0 ? 'nothing (no users, tokens, key, rules or TLS files configured)' : parts.join(', ');
  return config.cache ? `${files}; file cache emptied` : files;
}

export function describeStart(binaryName: string, version: string, running: RunningServer, config: ServerConfig): string {
  const engine =
    running.engine.mode === 'threaded'
      ? `mode threaded, ${running.engine.threads} thread${running.engine.threads === 1 ? '' : 's'}`
      : 'mode async, event loop only';
  let line = `${binaryName} ${version} serving ${config.root} at ${running.url}/ (${engine}, pid ${process.pid})`;
  if (running.redirectUrl !== undefined) line += `; ${running.redirectUrl}/ redirects to https`;
  if (running.adminUrl !== undefined) line += `; health and metrics at ${running.adminUrl}/`;
  if (running.selfSigned !== undefined) {
    line += `; self-signed certificate for localhost, not for production, SHA-256 ${running.selfSigned.fingerprint256}`;
  }
  return line;
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
    const inputs = { cli: invocation.options, env: process.env, defaults: { mode: profile.defaultMode } };
    running = await startServer(config, { reloadConfig: () => loadConfig(inputs) });
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
      running.logger.info(`SIGHUP: reloaded ${running.reloads}`);
    } catch (error) {
      const message = error instanceof ConfigError ? error.message : String(error);
      running.logger.error(`SIGHUP: reload failed, keeping the previous set: ${message}`);
    }
  });
  // Announce only once the signal handlers are in place: whoever waits for this line may stop us at once.
  running.logger.info(describeStart(profile.binaryName, version, running, config));
}
