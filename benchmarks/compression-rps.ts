// Requests per second for a 64 KiB JavaScript file with compression on (cache warm), async and
// threaded engines side by side, brotli and gzip against identity. Server and load generator
// (autocannon) each run in their own process, on loopback.
// Run: `npm run build && npm run bench:compress` (BENCH_SECONDS=10 BENCH_ROUNDS=3 by default).

import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

type EngineName = 'async' | 'threaded';
interface Variant {
  readonly name: string;
  readonly acceptEncoding: string | undefined;
}
interface Sample {
  readonly requestsPerSecond: number;
  readonly mibPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failures: number;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SERVER_SCRIPT = path.join(REPO_ROOT, 'dist', 'src', 'bin', 'tinyhttp-mt.js');
const AUTOCANNON = path.join(REPO_ROOT, 'node_modules', 'autocannon', 'autocannon.js');
const FILE_BYTES = 64 * 1024;
const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const THREADS = 2;
const ENGINES: readonly EngineName[] = ['async', 'threaded'];
const VARIANTS: readonly Variant[] = [
  { name: 'br', acceptEncoding: 'br, gzip' },
  { name: 'gzip', acceptEncoding: 'gzip' },
  { name: 'identity', acceptEncoding: undefined },
];
const START_LINE_URL = / at (http:\/\/\S+?)\/ /;

/** 64 KiB of real JavaScript: the start of TypeScript's own compiler. */
function writeFixture(dir: string): void {
  const source = fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'typescript', 'lib', 'typescript.js'));
  fs.writeFileSync(path.join(dir, 'app.js'), source.subarray(0, FILE_BYTES));
}

function startServer(engine: EngineName, root: string): Promise<{ child: ChildProcess; url: string }> {
  const args = [SERVER_SCRIPT, '--port', '0', '--quiet', '--mode', engine, ...(engine === 'threaded' ? ['--threads', String(THREADS)] : []), root];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = START_LINE_URL.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

function warm(url: string, acceptEncoding: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}/app.js`, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve(bytes));
      })
      .on('error', reject);
  });
}

function runLoad(url: string, variant: Variant): Promise<Sample> {
  const args = [AUTOCANNON, '-c', String(CONNECTIONS), '-d', String(SECONDS), '-j'];
  if (variant.acceptEncoding !== undefined) args.push('-H', `accept-encoding=${variant.acceptEncoding}`);
  args.push(`${url}/app.js`);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error) return reject(error);
      const result = JSON.parse(stdout) as {
        requests: { average: number };
        throughput: { average: number };
        latency: { p50: number; p99: number };
        non2xx: number;
        errors: number;
      };
      resolve({
        requestsPerSecond: result.requests.average,
        mibPerSecond: result.throughput.average / (1024 * 1024),
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        failures: result.non2xx + result.errors,
      });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-bench-compress-'));
  writeFixture(root);
  const samples = new Map<string, Sample[]>();
  const bodyBytes = new Map<string, number>();
  try {
    // Interleaved: each round runs every engine and variant once, so drift hits all alike.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const engine of ENGINES) {
        const server = await startServer(engine, root);
        try {
          for (const variant of VARIANTS) {
            bodyBytes.set(variant.name, await warm(server.url, variant.acceptEncoding));
            const sample = await runLoad(server.url, variant);
            const key = `${engine} ${variant.name}`;
            samples.set(key, [...(samples.get(key) ?? []), sample]);
            process.stderr.write(`round ${round} ${key}: ${Math.round(sample.requestsPerSecond)} req/s\n`);
          }
        } finally {
          server.child.kill('SIGTERM');
        }
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }

  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const out = [
    `64 KiB JavaScript, ${CONNECTIONS} keep-alive connections, ${SECONDS} s per run, median of ${ROUNDS} (${os.cpus().length} CPUs, Node ${process.version})`,
    '',
    line(['engine', 'coding', 'body bytes', 'req/s', 'MiB/s', 'p50 ms', 'p99 ms', 'failed', 'vs async']),
    line(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const variant of VARIANTS) {
    const asyncRps = median(samples.get(`async ${variant.name}`)!.map((s) => s.requestsPerSecond));
    for (const engine of ENGINES) {
      const runs = samples.get(`${engine} ${variant.name}`)!;
      const rps = median(runs.map((s) => s.requestsPerSecond));
      out.push(
        line([
          engine === 'threaded' ? `threaded (${THREADS})` : engine,
          variant.name,
          bodyBytes.get(variant.name)!,
          Math.round(rps),
          median(runs.map((s) => s.mibPerSecond)).toFixed(1),
          median(runs.map((s) => s.p50Ms)),
          median(runs.map((s) => s.p99Ms)),
          runs.reduce((sum, s) => sum + s.failures, 0),
          (rps / asyncRps).toFixed(2),
        ]),
      );
    }
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
