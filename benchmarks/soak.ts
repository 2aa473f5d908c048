// Soak: mixed traffic against one threaded server (a child process) for SOAK_SECONDS (default
// 600), with a SIGHUP reload every 10 s, on loopback only. Reports requests, failures (any
// unexpected status or connection error) and the server's RSS over time; fails if a request
// failed or RSS in the last tenth is more than 25 % above the second tenth's (after warm-up).
// Run: `npm run build && npm run bench:soak` (SOAK_SECONDS=60 for a short run).

import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SERVER_SCRIPT = path.join(REPO_ROOT, 'dist', 'src', 'bin', 'tinyhttp-mt.js');
const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CLIENTS = 16;
const RELOAD_EVERY_MS = 10_000;
const SAMPLE_EVERY_MS = 1_000;
const START_LINE_URL = / at (http:\/\/\S+?)\/ /;

interface Case {
  readonly target: string;
  readonly headers?: Record<string, string>;
  readonly expect: number;
}

function writeFixtures(dir: string): { root: string; usersFile: string; rulesFile: string; cases: Case[] } {
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.mkdirSync(path.join(root, 'private'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>soak</title>\n'.repeat(40));
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), Buffer.from('export const x = 1;\n'.repeat(3000)));
  fs.writeFileSync(path.join(root, 'assets', 'big.bin'), randomBytes(4 * 1024 * 1024));
  fs.writeFileSync(path.join(root, 'assets', 'style.css'), 'body { margin: 0 }\n'.repeat(200));
  fs.writeFileSync(path.join(root, 'assets', 'style.css.br'), zlib.brotliCompressSync(fs.readFileSync(path.join(root, 'assets', 'style.css'))));
  fs.writeFileSync(path.join(root, 'private', 'report.txt'), 'private\n');
  const usersFile = path.join(dir, 'users');
  // A bcrypt-free users file is not needed: anonymous requests to /private get 401 by rule.
  fs.writeFileSync(usersFile, '# no users: /private answers 401\n', { mode: 0o600 });
  const rulesFile = path.join(dir, 'rules.json');
  fs.writeFileSync(rulesFile, JSON.stringify([{ path: '/private/**', allow: ['authenticated'] }, { path: '/**', allow: ['*'] }]));
  const cases: Case[] = [
    { target: '/', expect: 200 },
    { target: '/assets/app.js', expect: 200 },
    { target: '/assets/app.js', headers: { 'accept-encoding': 'br, gzip' }, expect: 200 },
    { target: '/assets/style.css', headers: { 'accept-encoding': 'br' }, expect: 200 },
    { target: '/assets/big.bin', expect: 200 },
    { target: '/assets/big.bin', headers: { range: 'bytes=1000-99999' }, expect: 206 },
    { target: '/assets/', expect: 200 },
    { target: '/assets', expect: 301 },
    { target: '/missing.txt', expect: 404 },
    { target: '/private/report.txt', expect: 401 },
    { target: '/%2e%2e/etc/passwd', expect: 404 },
  ];
  return { root, usersFile, rulesFile, cases };
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-soak-'));
  const { root, usersFile, rulesFile, cases } = writeFixtures(dir);
  const child: ChildProcess = spawn(
    process.execPath,
    [SERVER_SCRIPT, '--threads', '2', '--port', '0', '--quiet', '--auth-users', usersFile, '--auth-rules', rulesFile, root],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = START_LINE_URL.exec(out);
      if (match !== null) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  const { hostname, port } = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const deadline = Date.now() + SECONDS * 1000;
  let requests = 0;
  const failures: string[] = [];
  const samples: number[] = [];
  let reloads = 0;

  const sampler = setInterval(() => samples.push(rssMiB(child.pid!)), SAMPLE_EVERY_MS);
  const reloader = setInterval(() => {
    child.kill('SIGHUP');
    reloads++;
  }, RELOAD_EVERY_MS);

  const one = (c: Case) =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: hostname, port, path: c.target, headers: c.headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          requests++;
          if (res.statusCode !== c.expect) failures.push(`${c.target}: ${res.statusCode} (expected ${c.expect})`);
          resolve();
        });
        res.on('error', (error) => {
          failures.push(`${c.target}: ${error.message}`);
          resolve();
        });
      });
      req.on('error', (error) => {
        failures.push(`${c.target}: ${error.message}`);
        resolve();
      });
    });

  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = client; Date.now() < deadline; i++) await one(cases[i % cases.length]);
    }),
  );
  clearInterval(sampler);
  clearInterval(reloader);
  agent.destroy();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  fs.rmSync(dir, { recursive: true, force: true });

  const tenth = Math.max(1, Math.floor(samples.length / 10));
  const average = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  // The first tenth is warm-up (JIT, caches, the pool's buffers): the baseline is the second.
  const early = average(samples.slice(tenth, 2 * tenth));
  const late = average(samples.slice(-tenth));
  const growth = late / early - 1;
  const lines = [
    `soak: ${SECONDS} s, ${CLIENTS} keep-alive clients, ${cases.length} kinds of request, SIGHUP every ${RELOAD_EVERY_MS / 1000} s (${reloads} reloads)`,
    `requests: ${requests} (${Math.round(requests / SECONDS)}/s), failed: ${failures.length}`,
    `server RSS MiB: second tenth ${early.toFixed(1)}, last tenth ${late.toFixed(1)} (${(growth * 100).toFixed(1)} %), max ${Math.max(...samples).toFixed(1)}`,
    `reload errors in the log: ${(stderr.match(/reload failed/g) ?? []).length}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (failures.length > 0) process.stdout.write(`first failures:\n  ${failures.slice(0, 10).join('\n  ')}\n`);
  if (failures.length > 0 || growth > 0.25) process.exit(1);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
