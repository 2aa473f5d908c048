// Conditional requests (RFC 9110 §13) and byte ranges (§14) over real sockets, both engines,
// on a small file (bytes from memory) and a big one (streamed from a descriptor).

import { createFixtures, Fixtures } from '../helpers/fixtures';
import { request, TestResponse } from '../helpers/http-client';
import { MODES, startTestServer, TestServer } from '../helpers/start-server';

let fixtures: Fixtures;
beforeAll(() => (fixtures = createFixtures()));
afterAll(() => fixtures.remove());

const HELLO = 'hello world\n';

/** Splits a multipart/byteranges body into its parts' headers and bytes. */
function parseMultipart(res: TestResponse): { contentRange: string; contentType: string; body: Buffer }[] {
  const boundary = /boundary=([^;]+)/.exec(res.headers['content-type'] ?? '')![1];
  const parts: { contentRange: string; contentType: string; body: Buffer }[] = [];
  let offset = 0;
  const body = res.body;
  for (;;) {
    const start = body.indexOf(`--${boundary}`, offset);
    if (body.subarray(start, start + boundary.length + 4).toString() === `--${boundary}--`) break;
    const headEnd = body.indexOf('\r\n\r\n', start);
    const head = body.subarray(start, headEnd).toString();
    const range = /Content-Range: bytes (\d+)-(\d+)\/\d+/.exec(head)!;
    const length = Number(range[2]) - Number(range[1]) + 1;
    parts.push({
      contentRange: /Content-Range: (.*)/.exec(head)![1],
      contentType: /Content-Type: (.*)/.exec(head)![1],
      body: body.subarray(headEnd + 4, headEnd + 4 + length),
    });
    offset = headEnd + 4 + length + 2;
  }
  return parts;
}

describe.each(MODES)('conditional requests and ranges (%s engine)', (mode) => {
  let server: TestServer;
  let etag: string;
  let lastModified: string;
  beforeAll(async () => {
    server = await startTestServer(fixtures.root, mode);
    const res = await request(server.url, '/hello.txt');
    etag = res.headers.etag!;
    lastModified = res.headers['last-modified']!;
  });
  afterAll(() => server.close());

  const get = (target: string, headers: Record<string, string>, method = 'GET') =>
    request(server.url, target, { headers, method });

  describe('If-None-Match', () => {
    test('a matching ETag gets 304 with validators and no body', async () => {
      const res = await get('/hello.txt', { 'If-None-Match': etag });
      expect(res.status).toBe(304);
      expect(res.body.length).toBe(0);
      expect(res.headers.etag).toBe(etag);
      expect(res.headers['last-modified']).toBe(lastModified);
    });

    test.each([
      ['a list containing it', () => `"nope", ${etag}`],
      ['its weak form (weak comparison)', () => `W/${etag}`],
      ['*', () => '*'],
    ])('%s gets 304', async (_name, value) => {
      expect((await get('/hello.txt', { 'If-None-Match': value() })).status).toBe(304);
    });

    test('a different ETag gets 200 with the body', async () => {
      const res = await get('/hello.txt', { 'If-None-Match': '"other"' });
      expect(res.status).toBe(200);
      expect(res.text).toBe(HELLO);
    });

    test('HEAD with a matching ETag gets 304', async () => {
      expect((await get('/hello.txt', { 'If-None-Match': etag }, 'HEAD')).status).toBe(304);
    });

    test('If-Modified-Since is ignored when If-None-Match is present', async () => {
      const res = await get('/hello.txt', { 'If-None-Match': '"other"', 'If-Modified-Since': lastModified });
      expect(res.status).toBe(200);
    });

    test('a big streamed file answers 304 too', async () => {
      const first = await get('/big.bin', {});
      expect((await get('/big.bin', { 'If-None-Match': first.headers.etag! })).status).toBe(304);
    });
  });

  describe('If-Modified-Since', () => {
    test('the Last-Modified date gets 304', async () => {
      expect((await get('/hello.txt', { 'If-Modified-Since': lastModified })).status).toBe(304);
    });

    test('an earlier date gets 200', async () => {
      const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
      expect((await get('/hello.txt', { 'If-Modified-Since': earlier })).status).toBe(200);
    });

    test('an invalid date is ignored', async () => {
      expect((await get('/hello.txt', { 'If-Modified-Since': 'yesterday' })).status).toBe(200);
    });
  });

  describe('If-Match and If-Unmodified-Since', () => {
    test('If-Match with another ETag gets 412', async () => {
      expect((await get('/hello.txt', { 'If-Match': '"other"' })).status).toBe(412);
    });

    test('If-Match with the ETag or * gets 200', async () => {
      expect((await get('/hello.txt', { 'If-Match': etag })).status).toBe(200);
      expect((await get('/hello.txt', { 'If-Match': '*' })).status).toBe(200);
    });

    test('If-Match never matches a weak tag (strong comparison)', async () => {
      expect((await get('/hello.txt', { 'If-Match': `W/${etag}` })).status).toBe(412);
    });

    test('If-Unmodified-Since before Last-Modified gets 412', async () => {
      const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
      expect((await get('/hello.txt', { 'If-Unmodified-Since': earlier })).status).toBe(412);
    });

    test('If-Unmodified-Since at Last-Modified gets 200', async () => {
      expect((await get('/hello.txt', { 'If-Unmodified-Since': lastModified })).status).toBe(200);
    });
  });

  describe.each([
    ['small file', '/hello.txt', () => Buffer.from(HELLO)],
    ['streamed file', '/big.bin', () => fixtures.bigBytes],
  ])('Range on a %s', (_kind, target, bytesOf) => {
    test('a single range gets 206 with Content-Range and exactly those bytes', async () => {
      const bytes = bytesOf();
      const res = await get(target, { Range: 'bytes=2-6' });
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes 2-6/${bytes.length}`);
      expect(res.headers['content-length']).toBe('5');
      expect(res.body.equals(bytes.subarray(2, 7))).toBe(true);
    });

    test('a suffix range gets the last N bytes', async () => {
      const bytes = bytesOf();
      const res = await get(target, { Range: 'bytes=-4' });
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${bytes.length - 4}-${bytes.length - 1}/${bytes.length}`);
      expect(res.body.equals(bytes.subarray(bytes.length - 4))).toBe(true);
    });

    test('an open range runs to the end', async () => {
      const bytes = bytesOf();
      const res = await get(target, { Range: 'bytes=5-' });
      expect(res.status).toBe(206);
      expect(res.body.equals(bytes.subarray(5))).toBe(true);
    });

    test('an end past the size is clamped', async () => {
      const bytes = bytesOf();
      const res = await get(target, { Range: `bytes=1-${bytes.length + 1000}` });
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes 1-${bytes.length - 1}/${bytes.length}`);
      expect(res.body.equals(bytes.subarray(1))).toBe(true);
    });

    test('several ranges get one multipart/byteranges 206, overlapping ones coalesced', async () => {
      const bytes = bytesOf();
      const res = await get(target, { Range: 'bytes=0-1,4-6,5-7,-2' });
      expect(res.status).toBe(206);
      expect(res.headers['content-type']).toMatch(/^multipart\/byteranges; boundary=/);
      expect(Number(res.headers['content-length'])).toBe(res.body.length);
      const parts = parseMultipart(res);
      expect(parts.map((p) => p.contentRange)).toEqual([
        `bytes 0-1/${bytes.length}`,
        `bytes 4-7/${bytes.length}`,
        `bytes ${bytes.length - 2}-${bytes.length - 1}/${bytes.length}`,
      ]);
      expect(parts[0].body.equals(bytes.subarray(0, 2))).toBe(true);
      expect(parts[1].body.equals(bytes.subarray(4, 8))).toBe(true);
      expect(parts[2].body.equals(bytes.subarray(bytes.length - 2))).toBe(true);
    });

    test('ranges that coalesce into one get a plain 206', async () => {
      const res = await get(target, { Range: 'bytes=0-3,2-5,6-7' });
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toMatch(/^bytes 0-7\//);
    });

    test('an unsatisfiable range gets 416 with Content-Range: bytes */size', async () => {
      const bytes = bytesOf();
      const res = await get(target, { Range: `bytes=${bytes.length}-` });
      expect(res.status).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${bytes.length}`);
    });

    test.each(['bytes=5-1', 'bytes=abc', 'items=0-1', 'bytes=', 'bytes=--1'])('a malformed Range (%s) is ignored: 200', async (range) => {
      const res = await get(target, { Range: range });
      expect(res.status).toBe(200);
      expect(res.body.equals(bytesOf())).toBe(true);
    });

    test('too many ranges are refused by serving the whole file once, never an amplified body', async () => {
      const ranges = Array.from({ length: 200 }, () => '0-').join(',');
      const res = await get(target, { Range: `bytes=${ranges}` });
      expect(res.status).toBe(200);
      expect(res.body.length).toBe(bytesOf().length);
    });

    test('a matching If-Range ETag keeps the range; another ETag gets the whole file', async () => {
      const current = (await get(target, {})).headers.etag!;
      expect((await get(target, { Range: 'bytes=0-1', 'If-Range': current })).status).toBe(206);
      const stale = await get(target, { Range: 'bytes=0-1', 'If-Range': '"stale"' });
      expect(stale.status).toBe(200);
      expect(stale.body.length).toBe(bytesOf().length);
    });

    test('If-Range with the Last-Modified date keeps the range; an older date does not', async () => {
      const modified = (await get(target, {})).headers['last-modified']!;
      expect((await get(target, { Range: 'bytes=0-1', 'If-Range': modified })).status).toBe(206);
      const older = new Date(Date.parse(modified) - 60_000).toUTCString();
      expect((await get(target, { Range: 'bytes=0-1', 'If-Range': older })).status).toBe(200);
    });

    test('Range on HEAD is ignored', async () => {
      const res = await get(target, { Range: 'bytes=0-1' }, 'HEAD');
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe(String(bytesOf().length));
      expect(res.headers['content-range']).toBeUndefined();
    });
  });

  test('a range on an empty file is unsatisfiable', async () => {
    const res = await get('/empty.txt', { Range: 'bytes=0-' });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe('bytes */0');
  });
});
