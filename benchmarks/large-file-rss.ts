// Measures the server's resident memory while 20 clients download one large (sparse, 1 GiB) file,
// for the async and the threaded engine in turn; streaming must keep peak RSS under 200 MiB.
// Run: `npm run build && npm run bench:rss` (BENCH_FILE_MB=64 for a quick run).

import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

type EngineName = 'async' | 'threaded';

const ENGINES: readonly EngineName[] = ['async', 'threaded'];
const THREADED_THREAD_COUNT = 2;
const CLIENT_COUNT = 20;
const DEFAULT_FILE_SIZE_MIB = 1024;
const BYTES_PER_MIB = 1024 * 1024;
const BYTES_PER_KIB = 1024;
const RSS_LIMIT_MIB = 200;
const SAMPLE_INTERVAL_MS = 100;
const STARTUP_TIMEOUT_MS = 15_000;
const KILL_GRACE_MS = 5_000;
const GLOBAL_TIMEOUT_MS = 5 * 60 * 1000;
const FILE_NAME = 'big.bin';
const CLIENT_HOST = '127.0.0.1';
/** Matches the start-up line `… serving /tmp/x at http://127.0.0.1:41234/ (mode …)`. */
const START_LINE_URL_PATTERN = /at (http:\/\/\S+?)\/? /;

/** dist/benchmarks/large-file-rss.js → repository root. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SERVER_SCRIPT = path.join(REPO_ROOT, 'dist', 'src', 'bin', 'tinyhttp-mt.js');

interface ClientResult {
  readonly bytes: number;
  readonly status: number | undefined;
  readonly error: string | undefined;
}

interface EngineResult {
  readonly engine: EngineName;
  readonly fileSizeBytes: number;
  readonly clients: readonly ClientResult[];
  readonly seconds: number;
  readonly peakRssBytes: number;
  readonly maxSampledRssBytes: number;
  readonly sampleCount: number;
}

interface RunningServer {
  readonly child: ChildProcess;
  readonly port: number;
  readonly stderr: string[];
}

// Module state the global timeout and signal handlers need to clean up synchronously.
let activeChild: ChildProcess | undefined;
let tempDir: string | undefined;

function readFileSizeBytes(): number {
  const raw = process.env.BENCH_FILE_MB;
  if (raw === undefined || raw === '') return DEFAULT_FILE_SIZE_MIB * BYTES_PER_MIB;
  if (!/^[0-9]+$/.test(raw.trim()) || Number(raw) < 1) {
    throw new Error(`BENCH_FILE_MB must be a positive integer (got ${JSON.stringify(raw)})`);
  }
  return Number(raw) * BYTES_PER_MIB;
}

function createSparseFixture(fileSizeBytes: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-rss-'));
  tempDir = dir;
  // Sparse: reads as zeros, costs no disk and no time to create.
  fs.closeSync(fs.openSync(path.join(dir, FILE_NAME), 'w'));
  fs.truncateSync(path.join(dir, FILE_NAME), fileSizeBytes);
  return dir;
}

/** The child's environment without TINYHTTP_* variables, so only our flags configure it. */
function buildServerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('TINYHTTP_')) env[name] = value;
  }
  return env;
}

function buildServerArgs(engine: EngineName, root: string): string[] {
  const args = [SERVER_SCRIPT, '--mode', engine, '--port', '0', '--quiet'];
  if (engine === 'threaded') args.push('--threads', String(THREADED_THREAD_COUNT));
  args.push(root);
  return args;
}

async function startServerProcess(engine: EngineName, root: string): Promise<RunningServer> {
  if (!fs.existsSync(SERVER_SCRIPT)) throw new Error(`${SERVER_SCRIPT} not found; run \`npm run build\` first`);
  const child = spawn(process.execPath, buildServerArgs(engine, root), {
    cwd: REPO_ROOT,
    env: buildServerEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  activeChild = child;
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

  const port = await new Promise<number>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => finish(new Error(`no start-up line within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
    const onData = (chunk: string) => {
      pending += chunk;
      const match = START_LINE_URL_PATTERN.exec(pending);
      if (match) finish(undefined, new URL(match[1]).port);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(new Error(`server exited before start-up (code ${code}, signal ${signal}): ${stderr.join('').trim()}`));
    const onError = (error: Error) => finish(error);
    function finish(error: Error | undefined, portText?: string): void {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      child.stdout!.resume(); // keep draining so a chatty server never blocks on a full pipe
      if (error) reject(error);
      else resolve(Number(portText));
    }
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
  return { child, port, stderr };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return true;
  let timer: NodeJS.Timeout | undefined;
  const exited = await Promise.race([
    once(child, 'exit').then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  return exited;
}

async function stopServerProcess(child: ChildProcess): Promise<void> {
  if (!hasExited(child)) {
    child.kill('SIGTERM');
    if (!(await waitForExit(child, KILL_GRACE_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, KILL_GRACE_MS);
    }
  }
  if (activeChild === child) activeChild = undefined;
}

/** VmRSS and VmHWM of a live process in bytes, or undefined once it has gone. */
function readProcessMemory(pid: number): { rssBytes: number; peakBytes: number } | undefined {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
  if (!rss || !hwm) return undefined;
  return { rssBytes: Number(rss[1]) * BYTES_PER_KIB, peakBytes: Number(hwm[1]) * BYTES_PER_KIB };
}

/** GETs the file once, discarding the body; never rejects, so every client is accounted for. */
function downloadFile(port: number, agent: http.Agent): Promise<ClientResult> {
  return new Promise((resolve) => {
    let bytes = 0;
    let status: number | undefined;
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      resolve({ bytes, status, error: error?.message });
    };
    const request = http.get({ host: CLIENT_HOST, port, path: '/' + FILE_NAME, agent }, (response) => {
      status = response.statusCode;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => settle(response.complete ? undefined : new Error('response ended incomplete')));
      response.on('aborted', () => settle(new Error('response aborted')));
      response.on('error', settle);
    });
    request.on('error', settle);
  });
}

async function measureEngine(engine: EngineName, root: string, fileSizeBytes: number): Promise<EngineResult> {
  const server = await startServerProcess(engine, root);
  const pid = server.child.pid!;
  let maxSampledRssBytes = 0;
  let sampleCount = 0;
  const takeSample = () => {
    const memory = readProcessMemory(pid);
    if (!memory) return;
    sampleCount++;
    maxSampledRssBytes = Math.max(maxSampledRssBytes, memory.rssBytes);
  };
  const agent = new http.Agent({ keepAlive: false, maxSockets: CLIENT_COUNT });
  const sampler = setInterval(takeSample, SAMPLE_INTERVAL_MS);
  try {
    takeSample();
    const startedAt = process.hrtime.bigint();
    const clients = await Promise.all(Array.from({ length: CLIENT_COUNT }, () => downloadFile(server.port, agent)));
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    clearInterval(sampler);
    takeSample();
    // VmHWM must be read while the process is still alive.
    const memory = readProcessMemory(pid);
    if (!memory) {
      throw new Error(`${engine} server (pid ${pid}) died during the run: ${server.stderr.join('').trim() || 'no stderr'}`);
    }
    return { engine, fileSizeBytes, clients, seconds, peakRssBytes: memory.peakBytes, maxSampledRssBytes, sampleCount };
  } finally {
    clearInterval(sampler);
    agent.destroy();
    await stopServerProcess(server.child);
    const errorOutput = server.stderr.join('').trim();
    if (errorOutput) process.stderr.write(`[${engine} server stderr]\n${errorOutput}\n`);
  }
}

function toMiB(bytes: number): number {
  return bytes / BYTES_PER_MIB;
}

function formatMiB(bytes: number): string {
  const mib = toMiB(bytes);
  return Number.isInteger(mib) ? `${mib} MiB` : `${mib.toFixed(1)} MiB`;
}

function isShort(result: EngineResult): boolean {
  return result.clients.some((client) => client.bytes !== result.fileSizeBytes || client.error !== undefined || client.status !== 200);
}

/** VmHWM is updated lazily by the kernel and can trail a VmRSS sample slightly; judge on the larger. */
function isOverLimit(result: EngineResult): boolean {
  return toMiB(Math.max(result.peakRssBytes, result.maxSampledRssBytes)) >= RSS_LIMIT_MIB;
}

function describeVerdict(result: EngineResult): string {
  const verdicts = [isOverLimit(result) ? 'OVER' : 'ok'];
  if (isShort(result)) verdicts.push('SHORT');
  return verdicts.join(', ');
}

function formatTable(results: readonly EngineResult[]): string {
  const header = [
    'engine',
    'clients',
    'file size',
    'total transferred',
    'seconds',
    'MiB/s aggregate',
    'peak RSS (MiB, VmHWM)',
    'max sampled RSS (MiB)',
    'verdict',
  ];
  const rows = results.map((result) => {
    const totalBytes = result.clients.reduce((sum, client) => sum + client.bytes, 0);
    return [
      result.engine,
      String(result.clients.length),
      formatMiB(result.fileSizeBytes),
      formatMiB(totalBytes),
      result.seconds.toFixed(2),
      (toMiB(totalBytes) / result.seconds).toFixed(0),
      toMiB(result.peakRssBytes).toFixed(1),
      toMiB(result.maxSampledRssBytes).toFixed(1),
      describeVerdict(result),
    ];
  });
  const toLine = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [toLine(header), toLine(header.map(() => '---')), ...rows.map(toLine)].join('\n');
}

function describeShortClients(result: EngineResult): string[] {
  return result.clients.flatMap((client, index) =>
    client.bytes === result.fileSizeBytes && client.error === undefined && client.status === 200
      ? []
      : [
          `${result.engine} client ${index}: status ${client.status ?? 'none'}, ${client.bytes} of ${result.fileSizeBytes} bytes` +
            (client.error ? `, error: ${client.error}` : ''),
        ],
  );
}

/** Synchronous last-resort cleanup for the global timeout and signals, where no finally will run. */
function abortRun(reason: string): never {
  process.stderr.write(`large-file-rss: ${reason}; killing the server and exiting\n`);
  if (activeChild && !hasExited(activeChild)) activeChild.kill('SIGKILL');
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  process.exit(1);
}

async function runBenchmark(): Promise<number> {
  const fileSizeBytes = readFileSizeBytes();
  const root = createSparseFixture(fileSizeBytes);
  const results: EngineResult[] = [];
  const failures: string[] = [];
  try {
    for (const engine of ENGINES) {
      try {
        const result = await measureEngine(engine, root, fileSizeBytes);
        results.push(result);
        failures.push(...describeShortClients(result));
        if (isOverLimit(result)) {
          const peakMiB = toMiB(Math.max(result.peakRssBytes, result.maxSampledRssBytes));
          failures.push(`${engine}: peak RSS ${peakMiB.toFixed(1)} MiB >= ${RSS_LIMIT_MIB} MiB`);
        }
        if (result.sampleCount === 0) failures.push(`${engine}: no RSS sample could be read`);
      } catch (error) {
        failures.push(`${engine}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    tempDir = undefined;
  }

  process.stdout.write(formatTable(results) + '\n');
  if (failures.length > 0) {
    process.stderr.write(`\nFAILED:\n${failures.map((line) => `  ${line}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

const globalTimer = setTimeout(() => abortRun(`global timeout of ${GLOBAL_TIMEOUT_MS / 1000}s reached`), GLOBAL_TIMEOUT_MS);
process.once('SIGINT', () => abortRun('SIGINT received'));
process.once('SIGTERM', () => abortRun('SIGTERM received'));

runBenchmark().then(
  (exitCode) => {
    clearTimeout(globalTimer);
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    clearTimeout(globalTimer);
    process.stderr.write(`large-file-rss: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    if (activeChild && !hasExited(activeChild)) activeChild.kill('SIGKILL');
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
    process.exitCode = 1;
  },
);
