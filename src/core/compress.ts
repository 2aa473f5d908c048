// On-the-fly compression for the resolve core's callers: brotli or gzip of a file's identity
// bytes. The async engine runs it through zlib's asynchronous API (libuv's pool), a threaded pool
// worker runs it synchronously in its own thread.

import { read, readSync } from 'node:fs';
import zlib from 'node:zlib';
import type { CompressTask } from './resolution';

function brotliOptions(task: CompressTask, size: number): zlib.BrotliOptions {
  return {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: task.level,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
    },
  };
}

/** In a worker thread: blocking is the point. */
export function compressSync(task: CompressTask): Uint8Array {
  const input = task.body ?? readWholeSync(task.fd!, task.size);
  return task.coding === 'br'
    ? zlib.brotliCompressSync(input, brotliOptions(task, input.length))
    : zlib.gzipSync(input, { level: task.level });
}

/** On the event loop: the work itself runs on libuv's thread pool. */
export async function compressAsync(task: CompressTask): Promise<Uint8Array> {
  const input = task.body ?? (await readWhole(task.fd!, task.size));
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, result: Buffer) => (error ? reject(error) : resolve(result));
    if (task.coding === 'br') zlib.brotliCompress(input, brotliOptions(task, input.length), done);
    else zlib.gzip(input, { level: task.level }, done);
  });
}

function readWholeSync(fd: number, size: number): Uint8Array {
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  while (offset < size) {
    const bytesRead = readSync(fd, bytes, offset, size - offset, offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return bytes.subarray(0, offset);
}

async function readWhole(fd: number, size: number): Promise<Uint8Array> {
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  while (offset < size) {
    const bytesRead = await new Promise<number>((resolve, reject) =>
      read(fd, bytes, offset, size - offset, offset, (error, count) => (error ? reject(error) : resolve(count))),
    );
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return bytes.subarray(0, offset);
}
