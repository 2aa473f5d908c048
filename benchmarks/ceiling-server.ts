// The ceiling for `npm run bench`: a bare node:http server that answers every known path with a
// constant in-memory body of that path's size, so no file system, cache or pipeline work is done.
// What it reaches is the most a single-threaded node:http server can do for that body size here.
// Usage: node dist/benchmarks/ceiling-server.js PORT SIZES_JSON
// SIZES_JSON maps a URL path to the number of body bytes it answers ({"/1k.txt": 1024, …}).

import fs from 'node:fs';
import mime from 'mime-types';
import { Answer, serveAnswers } from './answer-map';

const [portArg, sizesFile] = process.argv.slice(2);
const sizes = JSON.parse(fs.readFileSync(sizesFile, 'utf8')) as Record<string, number>;

// One shared buffer; every answer is a zero-copy slice of it, so memory stays at the largest size.
const largest = Math.max(...Object.values(sizes));
const shared = Buffer.alloc(largest, 'x');
const answers = new Map<string, Answer>();
for (const [urlPath, size] of Object.entries(sizes)) {
  answers.set(urlPath, {
    body: shared.subarray(0, size),
    headers: { 'content-type': mime.contentType(urlPath) || 'application/octet-stream', 'content-length': size },
  });
}

serveAnswers(answers, Number(portArg));
