// `npm run bench`: tinyhttp-mt against a node:http ceiling, a preloaded in-memory server, nginx and
// peer Node static servers, over six cases (small, medium, large and huge files, 1000 small files at
// random, compressed JavaScript). Each server runs in its own process, the load generator (wrk, or
// autocannon without it) in another, pinned to separate CPUs when taskset is there. Rounds are
// interleaved (every target once per round) and the report gives the median of the rounds.
//
// Environment: BENCH_SECONDS (5) per run after BENCH_WARMUP (1) unmeasured seconds, BENCH_ROUNDS (3), BENCH_THREADS (2) for the threaded
// engine, BENCH_TARGETS / BENCH_CASES (comma lists), BENCH_PIN=0 (no pinning), BENCH_SERVER_CPUS (1),
// BENCH_LOAD_CPUS (0). Writes benchmarks/results/latest.{md,svg,json}; the table also goes to stdout.
// BENCH_REPORT=benchmarks/results/latest.json writes the markdown and chart again without measuring;
// BENCH_RESULTS_DIR writes the reports elsewhere.

import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { PEERS, missingModule } from './peer-server';

// ---------------------------------------------------------------------------------------------
// Configuration

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DIST_BENCH = __dirname;
const TINYHTTP = path.join(REPO_ROOT, 'dist', 'src', 'bin', 'tinyhttp-mt.js');
const AUTOCANNON = path.join(REPO_ROOT, 'node_modules', 'autocannon', 'autocannon.js');
const TYPESCRIPT_JS = path.join(REPO_ROOT, 'node_modules', 'typescript', 'lib', 'typescript.js');
/** Where reports go; BENCH_RESULTS_DIR keeps a shortened run from overwriting the committed ones. */
const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? path.join(REPO_ROOT, 'benchmarks', 'results');

const KiB = 1024;
const MiB = 1024 * KiB;
const SECONDS = positiveInteger('BENCH_SECONDS', 5);
const ROUNDS = positiveInteger('BENCH_ROUNDS', 3);
const THREADS = positiveInteger('BENCH_THREADS', 2);
/** Unmeasured load before each measured run (0 for none). */
const WARMUP_SECONDS = process.env.BENCH_WARMUP === '0' ? 0 : positiveInteger('BENCH_WARMUP', 1);
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const RSS_SAMPLE_MS = 100;
/** The per-request timeout the load generator uses: a 100 MiB body over 10 connections is slow. */
const LOAD_TIMEOUT_S = 30;
const PROBE_PATH = '/1k.txt';

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const WRK = onPath('wrk');
const NGINX = onPath('nginx');
const TASKSET = onPath('taskset');

interface Pinning {
  readonly server: string;
  readonly load: string;
}
/** Separate CPUs for server and load generator, or undefined (with the reason in PINNING_NOTE). */
const PINNING: Pinning | undefined =
  process.env.BENCH_PIN !== '0' && TASKSET !== undefined && os.cpus().length >= 2
    ? { server: process.env.BENCH_SERVER_CPUS ?? '1', load: process.env.BENCH_LOAD_CPUS ?? '0' }
    : undefined;
const PINNING_NOTE =
  PINNING !== undefined
    ? `server on CPU ${PINNING.server}, load generator on CPU ${PINNING.load}`
    : process.env.BENCH_PIN === '0'
      ? 'off (BENCH_PIN=0)'
      : TASKSET === undefined
        ? 'off (no taskset)'
        : 'off (one CPU)';

// ---------------------------------------------------------------------------------------------
// Fixtures and cases

/** The 1000 small files of the spread case: many/d0..d9/f0..f99.txt. */
const MANY_PATHS = Array.from({ length: 1000 }, (_, i) => `/many/d${Math.floor(i / 100)}/f${i % 100}.txt`);
/** Deterministic sizes between 512 B and 4 KiB. */
const manySize = (i: number): number => 512 + ((i * 7919) % (3 * KiB + 513));

interface BenchCase {
  readonly name: string;
  readonly description: string;
  readonly connections: number;
  /** One path, or several picked at random per request. */
  readonly paths: readonly string[];
  readonly acceptEncoding?: string;
  /** The number ratios and the chart use: requests per second, or MiB/s for the huge file. */
  readonly metric: 'rps' | 'mibps';
}

const CASES: readonly BenchCase[] = [
  { name: '1k', description: '1 KiB text file', connections: 50, paths: ['/1k.txt'], metric: 'rps' },
  { name: '16k-js', description: '16 KiB JavaScript, no compression asked', connections: 50, paths: ['/app16k.js'], metric: 'rps' },
  { name: '256k', description: '256 KiB binary', connections: 50, paths: ['/256k.bin'], metric: 'rps' },
  { name: '100m', description: '100 MiB binary', connections: 10, paths: ['/100m.bin'], metric: 'mibps' },
  { name: 'spread-1000', description: 'a random one of 1000 files of 0.5-4 KiB per request', connections: 50, paths: MANY_PATHS, metric: 'rps' },
  { name: '64k-js-br', description: '64 KiB JavaScript with Accept-Encoding: br, gzip', connections: 50, paths: ['/app64k.js'], acceptEncoding: 'br, gzip', metric: 'rps' },
];

/** Writes the fixtures under root and returns the body size per URL path the ceiling answers with. */
function writeFixtures(root: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  const write = (urlPath: string, data: Buffer | string): void => {
    const file = path.join(root, ...urlPath.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
    sizes[urlPath] = Buffer.byteLength(data);
  };
  const text = (bytes: number, seed: string): string => {
    let out = '';
    for (let line = 0; out.length < bytes; line++) out += `${seed} line ${line}: the quick brown fox jumps over the lazy dog\n`;
    return out.slice(0, bytes);
  };
  // Real JavaScript: the start of TypeScript's own compiler.
  const javascript = fs.readFileSync(TYPESCRIPT_JS);

  write('/1k.txt', text(KiB, '1k'));
  write('/app16k.js', javascript.subarray(0, 16 * KiB));
  write('/256k.bin', crypto.randomBytes(256 * KiB));
  MANY_PATHS.forEach((urlPath, i) => write(urlPath, text(manySize(i), urlPath)));
  const app64k = javascript.subarray(0, 64 * KiB);
  write('/app64k.js', app64k);
  // A compressing server sends brotli for the br case; the ceiling answers with as many bytes
  // (quality 6 is tinyhttp-mt's default --compress-level).
  sizes['/app64k.js'] = zlib.brotliCompressSync(app64k, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 6 } }).length;

  // 100 MiB: one random MiB repeated (random enough that nothing compresses or dedupes it).
  const block = crypto.randomBytes(MiB);
  const fd = fs.openSync(path.join(root, '100m.bin'), 'w');
  try {
    for (let i = 0; i < 100; i++) fs.writeSync(fd, block);
  } finally {
    fs.closeSync(fd);
  }
  sizes['/100m.bin'] = 100 * MiB;
  return sizes;
}

// ---------------------------------------------------------------------------------------------
// Targets

interface Workspace {
  /** Temporary directory for everything the run writes; removed at the end. */
  readonly base: string;
  /** The fixture tree every target serves. */
  readonly root: string;
  /** JSON file mapping URL path to body size, for the ceiling server. */
  readonly ceilingSizes: string;
}

interface Launch {
  readonly command: string;
  readonly args: readonly string[];
}

interface Target {
  readonly name: string;
  readonly description: string;
  /** The tinyhttp async target this one is compared with in the "× async" column. */
  readonly asyncBaseline: string;
  /** Only these cases, when given (the access-log target only needs one). */
  readonly cases?: readonly string[];
  /** Why the target cannot run here, or undefined when it can. */
  readonly unavailable: () => string | undefined;
  readonly launch: (ws: Workspace, port: number) => Launch;
}

const ASYNC = 'async';
const ASYNC_NO_CACHE = 'async-nocache';
const CEILING = 'ceiling';
const NGINX_BASELINE = 'nginx-sendfile-off';

function tinyhttpTarget(name: string, description: string, flags: readonly string[], asyncBaseline: string, cases?: readonly string[]): Target {
  return {
    name,
    description,
    asyncBaseline,
    cases,
    unavailable: () => (fs.existsSync(TINYHTTP) ? undefined : `${TINYHTTP} is missing (npm run build)`),
    launch: (ws, port) => ({
      command: process.execPath,
      args: [TINYHTTP, ...flags, '--port', String(port), '--host', '127.0.0.1', ws.root],
    }),
  };
}

function nodeScriptTarget(name: string, description: string, script: string, args: (ws: Workspace, port: number) => string[]): Target {
  return {
    name,
    description,
    asyncBaseline: ASYNC,
    unavailable: () => (fs.existsSync(path.join(DIST_BENCH, script)) ? undefined : `${script} is missing (npm run build)`),
    launch: (ws, port) => ({ command: process.execPath, args: [path.join(DIST_BENCH, script), ...args(ws, port)] }),
  };
}

/** nginx with a generated configuration in its own prefix under the workspace; no root needed. */
function nginxTarget(sendfile: boolean): Target {
  const name = `nginx-sendfile-${sendfile ? 'on' : 'off'}`;
  return {
    name,
    description: `nginx, 1 worker, sendfile ${sendfile ? 'on' : 'off'}, access log off`,
    asyncBaseline: ASYNC,
    unavailable: () => (NGINX === undefined ? 'nginx is not on PATH' : undefined),
    launch: (ws, port) => {
      const prefix = path.join(ws.base, name);
      fs.mkdirSync(prefix, { recursive: true });
      const conf = path.join(prefix, 'nginx.conf');
      const temp = (kind: string): string => `${kind}_temp_path ${path.join(prefix, kind)};`;
      fs.writeFileSync(
        conf,
        [
          'worker_processes 1;',
          'daemon off;',
          'master_process on;',
          `error_log ${path.join(prefix, 'error.log')};`,
          `pid ${path.join(prefix, 'nginx.pid')};`,
          'events { worker_connections 1024; }',
          'http {',
          '  types { text/plain txt; text/javascript js; application/octet-stream bin; }',
          '  default_type application/octet-stream;',
          '  access_log off;',
          '  keepalive_requests 1000000;',
          `  sendfile ${sendfile ? 'on' : 'off'};`,
          ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${temp(kind)}`),
          `  server { listen 127.0.0.1:${port}; root ${ws.root}; }`,
          '}',
          '',
        ].join('\n'),
      );
      // -e: the start-up error log too, which otherwise goes to a path only root may write.
      return { command: NGINX!, args: ['-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log')] };
    },
  };
}

function peerTarget(name: string, description: string): Target {
  return {
    name,
    description,
    asyncBaseline: ASYNC,
    unavailable: () => {
      const missing = missingModule(PEERS[name]);
      return missing === undefined ? undefined : `${missing} is not installed; \`npm ci --prefix benchmarks\` installs the peers`;
    },
    launch: (ws, port) => ({ command: process.execPath, args: [path.join(DIST_BENCH, 'peer-server.js'), name, ws.root, String(port)] }),
  };
}

const THREADED = ['--mode', 'threaded', '--threads', String(THREADS), '--quiet'];
const TARGETS: readonly Target[] = [
  nodeScriptTarget(CEILING, 'node:http, constant in-memory body of the case size', 'ceiling-server.js', (ws, port) => [String(port), ws.ceilingSizes]),
  nodeScriptTarget('preloaded', 'node:http, every fixture read into a Map at start', 'preloaded-server.js', (ws, port) => [String(port), ws.root]),
  tinyhttpTarget(ASYNC, 'tinyhttp-mt --mode async, cache on', ['--mode', 'async', '--quiet'], ASYNC),
  tinyhttpTarget(ASYNC_NO_CACHE, 'tinyhttp-mt --mode async --no-cache', ['--mode', 'async', '--quiet', '--no-cache'], ASYNC_NO_CACHE),
  tinyhttpTarget('threaded', `tinyhttp-mt --mode threaded --threads ${THREADS}, cache on`, THREADED, ASYNC),
  tinyhttpTarget('threaded-nocache', `tinyhttp-mt --mode threaded --threads ${THREADS} --no-cache`, [...THREADED, '--no-cache'], ASYNC_NO_CACHE),
  tinyhttpTarget('async-log', 'tinyhttp-mt --mode async, cache on, access log on (to /dev/null)', ['--mode', 'async'], ASYNC, ['1k']),
  nginxTarget(false),
  nginxTarget(true),
  peerTarget('sirv', 'sirv 3 on node:http, defaults'),
  peerTarget('http-server', 'http-server 14 (library), defaults'),
  peerTarget('express', 'express 5 + serve-static 2, defaults'),
  peerTarget('fastify', 'fastify 5 + @fastify/static, defaults'),
];

/** Keeps the entries a comma-separated environment filter names (all when unset). */
function selected<T extends { readonly name: string }>(variable: string, all: readonly T[]): T[] {
  const raw = process.env[variable];
  if (raw === undefined || raw.trim() === '') return [...all];
  const names = raw.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !all.some((entry) => entry.name === name));
  if (unknown.length > 0) throw new Error(`${variable}: unknown ${unknown.join(', ')}; known: ${all.map((entry) => entry.name).join(', ')}`);
  return all.filter((entry) => names.includes(entry.name));
}

// ---------------------------------------------------------------------------------------------
// Child processes

/** Every child still running, so that an interrupted run leaves nothing behind. */
const liveChildren = new Set<ChildProcess>();

function spawnTracked(launch: Launch, cpus: string | undefined, stdout: 'ignore' | 'pipe'): ChildProcess {
  // taskset execs the command, so the child's pid is the server's (or the load generator's) own.
  const [command, args] = cpus === undefined ? [launch.command, launch.args] : [TASKSET!, ['-c', cpus, launch.command, ...launch.args]];
  const child = spawn(command, args, { stdio: ['ignore', stdout, 'pipe'] });
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  child.once('error', () => liveChildren.delete(child));
  return child;
}

/** pid and all its descendants (an nginx master and its worker), from /proc; [pid] elsewhere. */
function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${tree[i]}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = fs.readFileSync(`/proc/${tree[i]}/task/${task}/children`, 'utf8').trim();
        if (children !== '') tree.push(...children.split(/\s+/).map(Number));
      } catch {
        // the task ended meanwhile
      }
    }
  }
  return tree;
}

function killTree(pid: number, signal: NodeJS.Signals): void {
  for (const member of processTree(pid).reverse()) {
    try {
      process.kill(member, signal);
    } catch {
      // already gone
    }
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The last few KiB a child wrote to a stream, for error messages. */
function tail(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.on('data', (chunk: Buffer) => (text = (text + chunk.toString()).slice(-4 * KiB)));
  return () => text.trim();
}

/** An error as one line, for the report. */
function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' / ');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Servers

interface RunningServer {
  readonly child: ChildProcess;
  readonly port: number;
}

interface Fetched {
  readonly status: number;
  readonly bytes: number;
  readonly encoding: string;
}

function get(port: number, urlPath: string, headers: http.OutgoingHttpHeaders, agent: http.Agent): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers, agent, timeout: LOAD_TIMEOUT_S * 1000 }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, encoding: String(res.headers['content-encoding'] ?? 'identity') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
  });
}

async function startServer(target: Target, ws: Workspace): Promise<RunningServer> {
  const port = await freePort();
  const child = spawnTracked(target.launch(ws, port), PINNING?.server, 'ignore');
  const stderr = tail(child.stderr);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const agent = new http.Agent({ keepAlive: false });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      if (spawnError !== undefined) throw spawnError;
      if (exited(child)) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before answering: ${stderr() || 'no output'}`);
      try {
        const probe = await get(port, PROBE_PATH, {}, agent);
        if (probe.status === 200) return { child, port };
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`no 200 for ${PROBE_PATH} within ${READY_TIMEOUT_MS / 1000} s: ${stderr() || 'no output'}`);
      await sleep(100);
    }
  } catch (error) {
    await stopServer({ child, port });
    throw error;
  } finally {
    agent.destroy();
  }
}

/**
 * SIGTERM (for nginx: fast shutdown of master and workers), SIGKILL after STOP_TIMEOUT_MS; then
 * SIGKILL for any descendant that outlived it, so that no orphan keeps running or holds our pipes.
 */
async function stopServer(server: RunningServer): Promise<void> {
  const { child } = server;
  if (child.pid !== undefined && !exited(child)) {
    const descendants = processTree(child.pid).slice(1);
    child.kill('SIGTERM');
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, STOP_TIMEOUT_MS);
    }
    for (const pid of descendants) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited with its parent, as it should
      }
    }
  }
  child.stderr?.destroy();
}

/** Peak resident memory of the server's whole process tree, sampled while the load runs. */
function sampleRss(pid: number): () => number {
  let peak = 0;
  const sample = (): void => {
    let total = 0;
    for (const member of processTree(pid)) {
      try {
        const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${member}/status`, 'utf8'));
        if (match !== null) total += Number(match[1]) * KiB;
      } catch {
        // no /proc, or the process ended
      }
    }
    peak = Math.max(peak, total);
  };
  sample();
  const timer = setInterval(sample, RSS_SAMPLE_MS);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}

/** Clock ticks per second of /proc/PID/stat's CPU times (USER_HZ: 100 on Linux builds). */
const CLOCK_TICKS = 100;

/**
 * CPU seconds (user + system) the server's process tree has used so far. Unlike throughput, this is
 * hardly moved by time the hypervisor steals or by the load generator's speed: it says what each
 * request costs the server.
 */
function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const member of processTree(pid)) {
    try {
      const stat = fs.readFileSync(`/proc/${member}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // no /proc, or the process ended
    }
  }
  return ticks / CLOCK_TICKS;
}

/** A couple of requests (every path once for spread) so caches and JITs are warm; checks for 200. */
async function warm(port: number, benchCase: BenchCase): Promise<Fetched> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const headers = benchCase.acceptEncoding === undefined ? {} : { 'accept-encoding': benchCase.acceptEncoding };
  const paths = benchCase.paths.length > 1 ? benchCase.paths : [benchCase.paths[0], benchCase.paths[0]];
  try {
    const answers = await Promise.all(paths.map((urlPath) => get(port, urlPath, headers, agent)));
    const failed = answers.findIndex((answer) => answer.status !== 200);
    if (failed >= 0) throw new Error(`warm-up GET ${paths[failed]} answered ${answers[failed].status}`);
    return answers[0];
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Load generation

interface LoadResult {
  readonly requests: number;
  readonly bytes: number;
  readonly durationS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses with a status of 400 or more (wrk) / outside 2xx (autocannon). */
  readonly statusErrors: number;
  readonly timeouts: number;
  /** Connect, read and write errors. */
  readonly socketErrors: number;
}

/** The wrk script of a case: headers, a random path per request for spread, and a JSON summary. */
function wrkScript(benchCase: BenchCase): string {
  const lines: string[] = [];
  if (benchCase.acceptEncoding !== undefined) lines.push(`wrk.headers["Accept-Encoding"] = ${JSON.stringify(benchCase.acceptEncoding)}`);
  if (benchCase.paths.length > 1) {
    lines.push(
      `local paths = { ${benchCase.paths.map((p) => JSON.stringify(p)).join(', ')} }`,
      'math.randomseed(1)',
      'request = function() return wrk.format(nil, paths[math.random(#paths)]) end',
    );
  }
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'BENCH_JSON {"requests":%.0f,"bytes":%.0f,"durationUs":%.0f,"connect":%.0f,"read":%.0f,' +
      '"write":%.0f,"status":%.0f,"timeout":%.0f,"p50Us":%.0f,"p99Us":%.0f}\\n\',',
    '    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,',
    '    latency:percentile(50), latency:percentile(99)))',
    'end',
    '',
  );
  return lines.join('\n');
}

function runTool(launch: Launch): Promise<string> {
  const child = spawnTracked(launch, PINNING?.load, 'pipe');
  const stderr = tail(child.stderr);
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve, reject) => {
    // A generous guard, so a wedged load generator cannot hang the suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), (SECONDS + LOAD_TIMEOUT_S + 30) * 1000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(guard);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${path.basename(launch.command)} failed (${code ?? signal}): ${stderr() || stdout.slice(-500)}`));
    });
  });
}

async function runWrk(port: number, benchCase: BenchCase, scriptFile: string, seconds = SECONDS): Promise<LoadResult> {
  const args = ['-t1', '-c', String(benchCase.connections), '-d', `${seconds}s`, '--timeout', `${LOAD_TIMEOUT_S}s`, '--latency'];
  args.push('-s', scriptFile, `http://127.0.0.1:${port}${benchCase.paths[0]}`);
  const stdout = await runTool({ command: WRK!, args });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (line === undefined) throw new Error(`wrk printed no summary: ${stdout.slice(-500)}`);
  const s = JSON.parse(line.slice('BENCH_JSON '.length)) as Record<string, number>;
  return {
    requests: s.requests,
    bytes: s.bytes,
    durationS: s.durationUs / 1e6,
    p50Ms: s.p50Us / 1000,
    p99Ms: s.p99Us / 1000,
    statusErrors: s.status,
    timeouts: s.timeout,
    socketErrors: s.connect + s.read + s.write,
  };
}

async function runAutocannon(port: number, benchCase: BenchCase, seconds = SECONDS): Promise<LoadResult> {
  const args = [AUTOCANNON, '-c', String(benchCase.connections), '-d', String(seconds), '-t', String(LOAD_TIMEOUT_S), '-j'];
  if (benchCase.acceptEncoding !== undefined) args.push('-H', `accept-encoding=${benchCase.acceptEncoding}`);
  args.push(`http://127.0.0.1:${port}${benchCase.paths[0]}`);
  const result = JSON.parse(await runTool({ command: process.execPath, args })) as {
    requests: { total: number };
    throughput: { total: number };
    duration: number;
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  return {
    requests: result.requests.total,
    bytes: result.throughput.total,
    durationS: result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    statusErrors: result.non2xx,
    timeouts: result.timeouts,
    // autocannon counts timeouts among its errors.
    socketErrors: result.errors - result.timeouts,
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics and report

interface Sample extends LoadResult {
  readonly round: number;
  readonly target: string;
  readonly case: string;
  readonly rps: number;
  readonly mibps: number;
  readonly peakRssMiB: number;
  /** Server CPU per request in µs (rps cases) or per GiB in ms (the huge file). */
  readonly cpuCost: number;
  /** Body bytes and Content-Encoding of the first warm-up response. */
  readonly warmBodyBytes: number;
  readonly warmEncoding: string;
}

interface Problem {
  readonly round: number;
  readonly target: string;
  readonly case?: string;
  readonly message: string;
}

interface Summary {
  readonly rounds: number;
  readonly rps: number;
  readonly mibps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly peakRssMiB: number;
  readonly cpuCost: number;
  readonly errors: number;
  readonly encoding: string;
  /** The case's main metric (req/s, or MiB/s for the huge file). */
  readonly main: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summarize(samples: readonly Sample[], benchCase: BenchCase): Summary | undefined {
  if (samples.length === 0) return undefined;
  const of = (pick: (s: Sample) => number): number => median(samples.map(pick));
  const rps = of((s) => s.rps);
  const mibps = of((s) => s.mibps);
  return {
    rounds: samples.length,
    rps,
    mibps,
    p50Ms: of((s) => s.p50Ms),
    p99Ms: of((s) => s.p99Ms),
    peakRssMiB: of((s) => s.peakRssMiB),
    cpuCost: of((s) => s.cpuCost),
    errors: samples.reduce((sum, s) => sum + s.statusErrors + s.timeouts + s.socketErrors, 0),
    encoding: samples[0].warmEncoding,
    main: benchCase.metric === 'rps' ? rps : mibps,
  };
}

function machineLine(): string {
  const version = (command: string | undefined, args: string[], pattern: RegExp): string => {
    if (command === undefined) return 'absent';
    const run = spawnSync(command, args, { encoding: 'utf8' });
    return pattern.exec(`${run.stdout ?? ''}${run.stderr ?? ''}`)?.[1] ?? 'unknown';
  };
  const cpus = os.cpus();
  return [
    `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM`,
    `Node ${process.version}`,
    `nginx ${version(NGINX, ['-v'], /nginx\/(\S+)/)}`,
    WRK !== undefined ? `wrk ${version(WRK, ['-v'], /wrk (\S+)/)}` : 'autocannon (no wrk)',
    new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    `pinning: ${PINNING_NOTE}`,
    `${SECONDS} s per run after ${WARMUP_SECONDS} s of warm-up`,
    ROUNDS >= 3 ? `median of ${ROUNDS} rounds` : `${ROUNDS} round${ROUNDS === 1 ? '' : 's'} (not a median: BENCH_ROUNDS>=3 for one)`,
  ].join(' · ');
}

type Table = Map<string, Map<string, Summary>>;

function markdown(header: string, cases: readonly BenchCase[], targets: readonly Target[], table: Table, problems: readonly Problem[]): string {
  const row = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
  const ratio = (value: number, reference: Summary | undefined): string =>
    reference === undefined || reference.main === 0 ? '–' : (value / reference.main).toFixed(2);
  /** Targets × cases, one cell per summary (with the case's ceiling for ratios). */
  const grid = (cell: (s: Summary, ceiling: Summary | undefined) => string): string[] => [
    row(['target', ...cases.map((c) => c.name)]),
    row(['---', ...cases.map(() => '---:')]),
    ...targets.map((target) =>
      row([
        target.name,
        ...cases.map((c) => {
          const s = table.get(c.name)?.get(target.name);
          return s === undefined ? '–' : cell(s, table.get(c.name)?.get(CEILING));
        }),
      ]),
    ),
  ];
  const out = [
    '# tinyhttp-mt benchmark',
    '',
    header,
    '',
    'MiB/s counts every response byte read, headers included. × columns compare the main metric (req/s; MiB/s for 100m) ' +
      `with the ceiling, with tinyhttp async of the same cache setting (async cache on for the others) and with ${NGINX_BASELINE}.`,
    '',
    'Targets:',
    '',
    ...targets.map((target) => `- \`${target.name}\`: ${target.description}`),
    '',
    '## Summary',
    '',
    'The main metric of each case (req/s; MiB/s for 100m) and, in brackets, its ratio to the ceiling.',
    '',
    ...grid((s, ceiling) => `${Math.round(s.main)} (${ratio(s.main, ceiling)})`),
    '',
    'Server CPU (user + system, whole process tree) per request in µs (per GiB in ms for 100m) and, in brackets, ' +
      "the ceiling's cost divided by the target's (1.00: as cheap as the ceiling). Throughput on a shared virtual " +
      'machine moves with stolen time and with the load generator; CPU per request much less.',
    '',
    ...grid((s, ceiling) => `${s.cpuCost.toFixed(1)} (${ceiling === undefined || s.cpuCost === 0 ? '–' : (ceiling.cpuCost / s.cpuCost).toFixed(2)})`),
  ];
  for (const benchCase of cases) {
    const rows = table.get(benchCase.name)!;
    if (rows.size === 0) continue;
    out.push(
      '',
      `## ${benchCase.name}: ${benchCase.description}, ${benchCase.connections} connections`,
      '',
      row(['target', 'req/s', 'MiB/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', benchCase.metric === 'rps' ? 'CPU µs/req' : 'CPU ms/GiB', '× ceiling', '× async', '× nginx', 'errors']),
      row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    );
    for (const target of targets) {
      const s = rows.get(target.name);
      if (s === undefined) continue;
      out.push(
        row([
          s.rounds < ROUNDS ? `${target.name} (${s.rounds} of ${ROUNDS} rounds)` : target.name,
          Math.round(s.rps),
          s.mibps.toFixed(1),
          // No response completed (a 100 MiB body in a short run): no latency to show.
          s.rps > 0 ? s.p50Ms.toFixed(2) : '–',
          s.rps > 0 ? s.p99Ms.toFixed(2) : '–',
          s.peakRssMiB.toFixed(0),
          s.cpuCost.toFixed(1),
          ratio(s.main, rows.get(CEILING)),
          ratio(s.main, rows.get(target.asyncBaseline)),
          ratio(s.main, rows.get(NGINX_BASELINE)),
          s.errors,
        ]),
      );
    }
    if (benchCase.acceptEncoding !== undefined) {
      const codings = targets
        .filter((target) => rows.has(target.name) && target.name !== CEILING)
        .map((target) => `${target.name} ${rows.get(target.name)!.encoding}`);
      out.push('', `Content-Encoding answered: ${codings.join(', ')} (the ceiling answers the brotli size, uncompressed).`);
    }
  }
  if (problems.length > 0) {
    out.push('', '## Skipped or failed', '');
    for (const p of problems) out.push(`- ${p.round > 0 ? `round ${p.round}, ` : ''}${p.target}${p.case !== undefined ? ` ${p.case}` : ''}: ${p.message}`);
  }
  return out.join('\n') + '\n';
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Grouped horizontal bars: one group per case, one bar per target, length = ratio to the ceiling. */
function svgChart(header: string, cases: readonly BenchCase[], targets: readonly Target[], table: Table): string {
  const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#1f77b4', '#17becf', '#8c564b', '#7f7f7f'];
  // Colours by place in the full target list, so a target keeps its colour whatever BENCH_TARGETS picks.
  const color = new Map(targets.map((target) => [target.name, palette[TARGETS.indexOf(target) % palette.length]]));
  const width = 960;
  const labelX = 160; // bars start here; target names end just left of it
  const barsWidth = 660;
  const barHeight = 14;
  const barGap = 4;
  const legendColumns = 4;
  const legendRows = Math.ceil(targets.length / legendColumns);
  const ratios = cases.flatMap((c) => {
    const ceiling = table.get(c.name)!.get(CEILING);
    return ceiling === undefined ? [] : [...table.get(c.name)!.values()].map((s) => s.main / ceiling.main);
  });
  // The axis runs to the next quarter above the largest ratio (at least 1, the ceiling).
  const axisMax = Math.ceil(Math.max(1, ...ratios) * 4) / 4;
  const x = (ratio: number): number => labelX + (ratio / axisMax) * barsWidth;

  const parts: string[] = [];
  let y = 30;
  parts.push(`<text x="16" y="${y}" font-size="18" font-weight="bold">tinyhttp-mt benchmark: throughput relative to the node:http ceiling</text>`);
  y += 20;
  // The header, wrapped at its " · " separators to fit the width.
  const headerLines = header.split(' · ').reduce<string[]>((lines, item) => {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + item.length < 140) lines[last] += ` · ${item}`;
    else lines.push(item);
    return lines;
  }, []);
  for (const line of headerLines) {
    parts.push(`<text x="16" y="${y}" font-size="11" fill="#555">${escapeXml(line)}</text>`);
    y += 14;
  }
  y += 10;
  targets.forEach((target, i) => {
    const lx = 16 + (i % legendColumns) * 235;
    const ly = y + Math.floor(i / legendColumns) * 18;
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${color.get(target.name)}"/>`);
    parts.push(`<text x="${lx + 18}" y="${ly}" font-size="12">${escapeXml(target.name)}</text>`);
  });
  y += legendRows * 18 + 10;
  const chartTop = y;

  for (const benchCase of cases) {
    const rows = table.get(benchCase.name)!;
    const ceiling = rows.get(CEILING);
    const present = targets.filter((target) => rows.has(target.name));
    if (ceiling === undefined || present.length === 0) continue;
    y += 18;
    const unit = benchCase.metric === 'rps' ? 'req/s' : 'MiB/s';
    parts.push(
      `<text x="16" y="${y}" font-size="13" font-weight="bold">${escapeXml(`${benchCase.name}: ${benchCase.description}`)}` +
        `<tspan dx="6" font-weight="normal" fill="#555">${escapeXml(`(${unit}; ceiling ${Math.round(ceiling.main)})`)}</tspan></text>`,
    );
    y += 8;
    for (const target of present) {
      const s = rows.get(target.name)!;
      const ratio = s.main / ceiling.main;
      const barY = y;
      parts.push(`<text x="${labelX - 6}" y="${barY + barHeight - 3}" font-size="11" text-anchor="end">${escapeXml(target.name)}</text>`);
      parts.push(`<rect x="${labelX}" y="${barY}" width="${(x(ratio) - labelX).toFixed(1)}" height="${barHeight}" fill="${color.get(target.name)}"/>`);
      parts.push(
        `<text x="${(x(ratio) + 4).toFixed(1)}" y="${barY + barHeight - 3}" font-size="11">${ratio.toFixed(2)} (${escapeXml(String(Math.round(s.main)))} ${unit})</text>`,
      );
      y += barHeight + barGap;
    }
    y += 6;
  }

  // Axis: quarter gridlines, the ceiling at 1 drawn dashed.
  const gridlines: string[] = [];
  for (let tick = 0; tick <= axisMax + 1e-9; tick += 0.25) {
    const gx = x(tick).toFixed(1);
    const isCeiling = Math.abs(tick - 1) < 1e-9;
    gridlines.push(
      `<line x1="${gx}" y1="${chartTop}" x2="${gx}" y2="${y}" stroke="${isCeiling ? '#333' : '#ddd'}"${isCeiling ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${gx}" y="${y + 14}" font-size="10" text-anchor="middle" fill="#555">${tick.toFixed(2)}${isCeiling ? ' = ceiling' : ''}</text>`,
    );
  }
  const height = y + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...gridlines,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

/** Builds the per-case summaries of the samples. */
function tabulate(cases: readonly BenchCase[], targets: readonly Target[], samples: readonly Sample[]): Table {
  return new Map(
    cases.map((benchCase) => [
      benchCase.name,
      new Map(
        targets.flatMap((target) => {
          const summary = summarize(samples.filter((s) => s.case === benchCase.name && s.target === target.name), benchCase);
          return summary === undefined ? [] : [[target.name, summary] as const];
        }),
      ),
    ]),
  );
}

function writeReport(header: string, cases: readonly BenchCase[], targets: readonly Target[], table: Table, problems: readonly Problem[]): string {
  const report = markdown(header, cases, targets, table, problems);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.md'), report);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.svg'), svgChart(header, cases, targets, table));
  return report;
}

/** BENCH_REPORT=results.json: writes the markdown and the chart again from saved samples, measuring nothing. */
function reportOnly(file: string): void {
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { header: string; samples: Sample[]; problems: Problem[] };
  const cases = CASES.filter((c) => saved.samples.some((s) => s.case === c.name));
  const targets = TARGETS.filter((t) => saved.samples.some((s) => s.target === t.name));
  process.stdout.write(writeReport(saved.header, cases, targets, tabulate(cases, targets, saved.samples), saved.problems));
}

async function main(): Promise<void> {
  if (process.env.BENCH_REPORT !== undefined) return reportOnly(process.env.BENCH_REPORT);
  const cases = selected('BENCH_CASES', CASES);
  const targets = selected('BENCH_TARGETS', TARGETS);
  const problems: Problem[] = [];
  const runnable = targets.filter((target) => {
    const reason = target.unavailable();
    if (reason !== undefined) {
      problems.push({ round: 0, target: target.name, message: reason });
      process.stderr.write(`skipping ${target.name}: ${reason}\n`);
    }
    return reason === undefined;
  });
  if (WRK === undefined && cases.some((c) => c.paths.length > 1)) {
    problems.push({ round: 0, target: 'all', case: 'spread-1000', message: 'needs wrk (a random path per request); autocannon cannot' });
  }
  const measurable = cases.filter((c) => WRK !== undefined || c.paths.length === 1);

  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-bench-'));
  // Readable by nginx workers, which run as an unprivileged user when nginx is started as root.
  fs.chmodSync(base, 0o755);
  const cleanup = (): void => {
    for (const child of liveChildren) if (child.pid !== undefined) killTree(child.pid, 'SIGKILL');
    fs.rmSync(base, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping servers and removing ${base}\n`);
      process.exit(130);
    });
  }

  const ws: Workspace = { base, root: path.join(base, 'root'), ceilingSizes: path.join(base, 'ceiling-sizes.json') };
  fs.mkdirSync(ws.root);
  process.stderr.write(`writing fixtures to ${ws.root}\n`);
  fs.writeFileSync(ws.ceilingSizes, JSON.stringify(writeFixtures(ws.root)));
  const scripts = new Map<string, string>();
  for (const benchCase of measurable) {
    const file = path.join(base, `${benchCase.name}.lua`);
    fs.writeFileSync(file, wrkScript(benchCase));
    scripts.set(benchCase.name, file);
  }

  const header = machineLine();
  process.stderr.write(`${header}\n`);
  const samples: Sample[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const target of runnable) {
      const targetCases = measurable.filter((c) => target.cases === undefined || target.cases.includes(c.name));
      if (targetCases.length === 0) continue;
      let server: RunningServer;
      try {
        server = await startServer(target, ws);
      } catch (error) {
        problems.push({ round, target: target.name, message: `did not start: ${describe(error)}` });
        process.stderr.write(`round ${round} ${target.name}: did not start: ${describe(error)}\n`);
        continue;
      }
      try {
        for (const benchCase of targetCases) {
          try {
            const warmed = await warm(server.port, benchCase);
            // Unmeasured load first, so the JIT has compiled the hot paths and caches have settled.
            if (WARMUP_SECONDS > 0) {
              if (WRK !== undefined) await runWrk(server.port, benchCase, scripts.get(benchCase.name)!, WARMUP_SECONDS);
              else await runAutocannon(server.port, benchCase, WARMUP_SECONDS);
            }
            const stopRss = sampleRss(server.child.pid!);
            const cpuBefore = cpuSeconds(server.child.pid!);
            let load: LoadResult;
            let peakRss: number;
            try {
              load = WRK !== undefined ? await runWrk(server.port, benchCase, scripts.get(benchCase.name)!) : await runAutocannon(server.port, benchCase);
            } finally {
              peakRss = stopRss();
            }
            const cpuUsed = cpuSeconds(server.child.pid!) - cpuBefore;
            const sample: Sample = {
              ...load,
              round,
              target: target.name,
              case: benchCase.name,
              rps: load.requests / load.durationS,
              mibps: load.bytes / MiB / load.durationS,
              peakRssMiB: peakRss / MiB,
              cpuCost: benchCase.metric === 'rps' ? (cpuUsed * 1e6) / Math.max(1, load.requests) : (cpuUsed * 1e3) / Math.max(1e-9, load.bytes / (1024 * MiB)),
              warmBodyBytes: warmed.bytes,
              warmEncoding: warmed.encoding,
            };
            samples.push(sample);
            const errors = load.statusErrors + load.timeouts + load.socketErrors;
            process.stderr.write(
              `round ${round}/${ROUNDS} ${target.name} ${benchCase.name}: ${Math.round(sample.rps)} req/s, ` +
                `${sample.mibps.toFixed(1)} MiB/s, p99 ${load.p99Ms.toFixed(2)} ms, RSS ${sample.peakRssMiB.toFixed(0)} MiB` +
                `${errors > 0 ? `, WARNING ${errors} errors (${load.statusErrors} status, ${load.timeouts} timeouts, ${load.socketErrors} socket)` : ''}\n`,
            );
          } catch (error) {
            problems.push({ round, target: target.name, case: benchCase.name, message: describe(error) });
            process.stderr.write(`round ${round} ${target.name} ${benchCase.name}: ${describe(error)}\n`);
          }
        }
      } finally {
        await stopServer(server);
      }
    }
  }

  const table = tabulate(measurable, runnable, samples);
  if (samples.length === 0) throw new Error('nothing was measured; no report written');
  const failing = samples.filter((s) => s.statusErrors + s.timeouts + s.socketErrors > 0);
  if (failing.length > 0) {
    process.stderr.write(`WARNING: errors in ${failing.length} run(s): ${[...new Set(failing.map((s) => `${s.target} ${s.case}`))].join(', ')}\n`);
  }

  const report = writeReport(header, measurable, runnable, table, problems);
  fs.writeFileSync(
    path.join(RESULTS_DIR, 'latest.json'),
    JSON.stringify({ header, seconds: SECONDS, rounds: ROUNDS, threads: THREADS, pinning: PINNING ?? null, samples, problems }, null, 2) + '\n',
  );
  process.stdout.write(report);
}

main().catch((error: unknown) => {
  // Settings errors (an unknown BENCH_TARGETS name…) are one line; BENCH_DEBUG=1 shows the stack.
  const detail = error instanceof Error ? (process.env.BENCH_DEBUG === '1' ? (error.stack ?? error.message) : error.message) : String(error);
  process.stderr.write(`${detail}\n`);
  process.exit(1);
});
