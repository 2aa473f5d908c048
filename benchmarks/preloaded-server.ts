// The "preloaded" target of `npm run bench`: a node:http server that reads every file under ROOT
// into memory at start and answers from that map, with Content-Type (mime-types) and
// Content-Length; 404 for anything else. It shows what serving real files costs over the ceiling
// (per-path lookup and distinct buffers) without any file-system work per request.
// Usage: node dist/benchmarks/preloaded-server.js PORT ROOT

import fs from 'node:fs';
import path from 'node:path';
import mime from 'mime-types';
import { Answer, serveAnswers } from './answer-map';

const [portArg, root] = process.argv.slice(2);
const answers = new Map<string, Answer>();
for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const file = path.join(entry.parentPath, entry.name);
  const body = fs.readFileSync(file);
  const urlPath = '/' + path.relative(root, file).split(path.sep).join('/');
  answers.set(urlPath, {
    body,
    headers: { 'content-type': mime.contentType(entry.name) || 'application/octet-stream', 'content-length': body.length },
  });
}

serveAnswers(answers, Number(portArg));
