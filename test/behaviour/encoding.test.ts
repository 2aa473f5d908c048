// Content coding in both engines: Accept-Encoding negotiation, precompressed twins, on-the-fly
// brotli/gzip with its own ETag and 304s, byte-exact decompression, what is never compressed,
// the compressed cache, and the switches.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { request, TestResponse } from '../helpers/http-client';
import { MODES, startTestServer, TestServer } from '../helpers/start-server';

let root: string;
const APP_JS = Buffer.from(
  Array.from({ length: 600 }, (_, i) => `export function handler${i}(event) { return event.value * ${i} + "${'x'.repeat(i % 17)}"; }\n`).join(''),
);
const TWIN_SOURCE = Buffer.from('console.log("identity twin.js");\n'.repeat(100));
const TWIN_BR_CONTENT = Buffer.from('console.log("decoded from twin.js.br");\n'.repeat(100));
const TWIN_GZ_CONTENT = Buffer.from('console.log("decoded from twin.js.gz");\n'.repeat(100));
const PNG = randomBytes(4096);
const CACHE_TTL_MS = 100;
const HUGE = Buffer.alloc(9 * 1024 * 1024, 'all work and no play makes jack a dull boy\n');

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-encoding-'));
  const write = (name: string, content: Buffer | string) => fs.writeFileSync(path.join(root, name), content);
  write('app.js', APP_JS);
  write('style.css', 'body { color: black; }\n'.repeat(100));
  write('tiny.js', 'let a = 1;\n');
  write('image.png', PNG);
  write('huge.txt', HUGE);
  write('twin.js', TWIN_SOURCE);
  write('twin.js.br', zlib.brotliCompressSync(TWIN_BR_CONTENT));
  write('twin.js.gz', zlib.gzipSync(TWIN_GZ_CONTENT));
  write('only-gz.js', TWIN_SOURCE);
  write('only-gz.js.gz', zlib.gzipSync(TWIN_GZ_CONTENT));
  write('orphan.txt.gz', zlib.gzipSync('no base file\n'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function decode(res: TestResponse): Buffer {
  switch (res.headers['content-encoding']) {
    case 'br':
      return zlib.brotliDecompressSync(res.body);
    case 'gzip':
      return zlib.gunzipSync(res.body);
    case undefined:
      return res.body;
    default:
      throw new Error(`unexpected coding ${res.headers['content-encoding']}`);
  }
}

const get = (server: TestServer, target: string, headers: Record<string, string> = {}, method = 'GET') =>
  request(server.url, target, { method, headers });

describe.each(MODES)('%s engine: content coding', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    // A short cache TTL, so a changed file is seen (by the hot-path cache) within the test.
    server = await startTestServer(root, mode, { options: { quiet: false, debug: true, cacheTtl: String(CACHE_TTL_MS) } });
  });
  afterAll(() => server.close());

  test.each<[string | undefined, string, string | number | undefined]>([
    // [Accept-Encoding, file, expected Content-Encoding (or status)]
    [undefined, '/app.js', undefined],
    ['', '/app.js', undefined],
    ['gzip', '/app.js', 'gzip'],
    ['br', '/app.js', 'br'],
    ['gzip, deflate, br', '/app.js', 'br'],
    ['br;q=0.5, gzip', '/app.js', 'gzip'],
    ['gzip;q=0.5, identity', '/app.js', undefined],
    ['deflate', '/app.js', undefined],
    ['zstd', '/app.js', undefined],
    ['*', '/app.js', 'br'],
    ['identity;q=0', '/app.js', 406],
    ['*;q=0', '/app.js', 406],
    ['gzip, identity;q=0', '/app.js', 'gzip'],
    ['gzip, br', '/style.css', 'br'],
    ['gzip, br', '/tiny.js', undefined],
    ['gzip, br', '/image.png', undefined],
    ['identity;q=0', '/image.png', 406],
    ['gzip, br', '/huge.txt', undefined],
    ['gzip, br', '/twin.js', 'br'],
    ['gzip', '/twin.js', 'gzip'],
    ['gzip, br', '/only-gz.js', 'gzip'],
  ])('Accept-Encoding %j on %s → %s', async (acceptEncoding, target, expected) => {
    const res = await get(server, target, acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding });
    if (typeof expected === 'number') {
      expect(res.status).toBe(expected);
      return;
    }
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(expected);
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(res.headers.vary).toBe('Accept-Encoding');
  });

  test('compressed bodies decompress to the exact file, with the file type and a length of their own', async () => {
    const identity = await get(server, '/app.js');
    for (const coding of ['br', 'gzip']) {
      const res = await get(server, '/app.js', { 'accept-encoding': coding });
      expect(res.headers['content-encoding']).toBe(coding);
      expect(res.headers['content-type']).toBe(identity.headers['content-type']);
      expect(res.body.length).toBeLessThan(APP_JS.length / 3);
      expect(decode(res).equals(APP_JS)).toBe(true);
    }
    expect(identity.body.equals(APP_JS)).toBe(true);
  });

  test('each coding has its own ETag, and If-None-Match answers 304 per coding', async () => {
    const identity = await get(server, '/app.js');
    const br = await get(server, '/app.js', { 'accept-encoding': 'br' });
    const gzip = await get(server, '/app.js', { 'accept-encoding': 'gzip' });
    const tags = [identity.headers.etag, br.headers.etag, gzip.headers.etag];
    expect(new Set(tags).size).toBe(3);
    const brAgain = await get(server, '/app.js', { 'accept-encoding': 'br', 'if-none-match': br.headers.etag! });
    expect(brAgain.status).toBe(304);
    expect(brAgain.headers.etag).toBe(br.headers.etag);
    expect(brAgain.headers.vary).toBe('Accept-Encoding');
    // The br tag does not validate the gzip variant, nor the identity one.
    expect((await get(server, '/app.js', { 'accept-encoding': 'gzip', 'if-none-match': br.headers.etag! })).status).toBe(200);
    expect((await get(server, '/app.js', { 'if-none-match': br.headers.etag! })).status).toBe(200);
    expect((await get(server, '/app.js', { 'if-none-match': identity.headers.etag! })).status).toBe(304);
  });

  test('a precompressed twin is served as it is: its bytes, its length, the original type', async () => {
    const br = await get(server, '/twin.js', { 'accept-encoding': 'br' });
    expect(decode(br).equals(TWIN_BR_CONTENT)).toBe(true);
    expect(br.body.equals(fs.readFileSync(path.join(root, 'twin.js.br')))).toBe(true);
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const gz = await get(server, '/only-gz.js', { 'accept-encoding': 'br, gzip' });
    expect(decode(gz).equals(TWIN_GZ_CONTENT)).toBe(true);
    const identity = await get(server, '/twin.js');
    expect(identity.body.equals(TWIN_SOURCE)).toBe(true);
    expect(new Set([br.headers.etag, identity.headers.etag, (await get(server, '/twin.js', { 'accept-encoding': 'gzip' })).headers.etag]).size).toBe(3);
  });

  test('ranges apply to a twin’s encoded bytes; without a twin a range gets identity bytes', async () => {
    const twinBytes = fs.readFileSync(path.join(root, 'twin.js.br'));
    const partial = await get(server, '/twin.js', { 'accept-encoding': 'br', range: 'bytes=0-9' });
    expect(partial.status).toBe(206);
    expect(partial.headers['content-encoding']).toBe('br');
    expect(partial.headers['content-range']).toBe(`bytes 0-9/${twinBytes.length}`);
    expect(partial.body.equals(twinBytes.subarray(0, 10))).toBe(true);
    const plain = await get(server, '/app.js', { 'accept-encoding': 'br', range: 'bytes=100-199' });
    expect(plain.status).toBe(206);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(APP_JS.subarray(100, 200))).toBe(true);
  });

  test('several ranges of a twin get the whole twin, never a multipart body of encoded parts', async () => {
    const twinBytes = fs.readFileSync(path.join(root, 'twin.js.br'));
    const res = await get(server, '/twin.js', { 'accept-encoding': 'br', range: 'bytes=0-9,20-29' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.body.equals(twinBytes)).toBe(true);
  });

  test('a file that does not compress is sent as it is once that is known', async () => {
    fs.writeFileSync(path.join(root, 'noise.svg'), randomBytes(8192));
    const first = await get(server, '/noise.svg', { 'accept-encoding': 'br' });
    expect(decode(first).length).toBe(8192);
    const later = await get(server, '/noise.svg', { 'accept-encoding': 'br' });
    expect(later.headers['content-encoding']).toBeUndefined();
    expect(later.body.length).toBe(8192);
  });

  test('HEAD carries the compressed length and no body', async () => {
    const got = await get(server, '/style.css', { 'accept-encoding': 'gzip' });
    const head = await get(server, '/style.css', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(head.headers['content-length']).toBe(got.headers['content-length']);
    expect(head.body.length).toBe(0);
  });

  test('a hot asset is compressed once, however many ask at once', async () => {
    fs.writeFileSync(path.join(root, 'hot.js'), APP_JS);
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(server, '/hot.js', { 'accept-encoding': 'br' })));
    for (const res of answers) expect(decode(res).equals(APP_JS)).toBe(true);
    await get(server, '/hot.js', { 'accept-encoding': 'br' });
    const compressions = server.stdout.filter((line) => line.includes('compressed') && line.includes('/hot.js'));
    expect(compressions).toHaveLength(1);
  });

  test('a changed file is compressed anew (its identity is part of the cache key)', async () => {
    const file = path.join(root, 'changing.js');
    fs.writeFileSync(file, APP_JS);
    const first = await get(server, '/changing.js', { 'accept-encoding': 'gzip' });
    const changed = Buffer.concat([APP_JS, Buffer.from('// changed\n')]);
    fs.writeFileSync(file, changed);
    await new Promise((resolve) => setTimeout(resolve, CACHE_TTL_MS + 50));
    const second = await get(server, '/changing.js', { 'accept-encoding': 'gzip' });
    expect(decode(first).equals(APP_JS)).toBe(true);
    expect(decode(second).equals(changed)).toBe(true);
    expect(second.headers.etag).not.toBe(first.headers.etag);
  });

  test('listings leave out twins whose file is beside them', async () => {
    const listing = await get(server, '/', { accept: 'application/json' });
    const names = (JSON.parse(listing.text) as { entries: { name: string }[] }).entries.map((entry) => entry.name);
    expect(names).toContain('twin.js');
    expect(names).not.toContain('twin.js.br');
    expect(names).not.toContain('twin.js.gz');
    expect(names).not.toContain('only-gz.js.gz');
    expect(names).toContain('orphan.txt.gz');
    // Asked for by name, a twin is an ordinary file.
    const direct = await get(server, '/twin.js.br', { 'accept-encoding': 'br' });
    expect(direct.status).toBe(200);
    expect(direct.headers['content-encoding']).toBeUndefined();
  });
});

describe.each(MODES)('%s engine: switches', (mode) => {
  test('--no-compress: no on-the-fly compression, twins still served', async () => {
    const server = await startTestServer(root, mode, { options: { compress: false } });
    try {
      expect((await get(server, '/app.js', { 'accept-encoding': 'br' })).headers['content-encoding']).toBeUndefined();
      expect((await get(server, '/twin.js', { 'accept-encoding': 'br' })).headers['content-encoding']).toBe('br');
    } finally {
      await server.close();
    }
  });

  test('--no-precompressed: twins ignored, the file compressed instead; both off: no Vary', async () => {
    const server = await startTestServer(root, mode, { options: { precompressed: false } });
    try {
      const res = await get(server, '/twin.js', { 'accept-encoding': 'br' });
      expect(res.headers['content-encoding']).toBe('br');
      expect(decode(res).equals(TWIN_SOURCE)).toBe(true);
    } finally {
      await server.close();
    }
    const plain = await startTestServer(root, mode, { options: { precompressed: false, compress: false } });
    try {
      const res = await get(plain, '/twin.js', { 'accept-encoding': 'br' });
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.headers.vary).toBeUndefined();
      expect(res.body.equals(TWIN_SOURCE)).toBe(true);
    } finally {
      await plain.close();
    }
  });

  test('--compress-level changes the result size', async () => {
    const fast = await startTestServer(root, mode, { options: { compressLevel: '1' } });
    const small = await startTestServer(root, mode, { options: { compressLevel: '9' } });
    try {
      const a = await get(fast, '/app.js', { 'accept-encoding': 'br' });
      const b = await get(small, '/app.js', { 'accept-encoding': 'br' });
      expect(decode(a).equals(APP_JS)).toBe(true);
      expect(decode(b).equals(APP_JS)).toBe(true);
      expect(b.body.length).toBeLessThan(a.body.length);
    } finally {
      await fast.close();
      await small.close();
    }
  });
});
