// What the ceiling and preloaded servers share: answering from a map of URL path → prepared body
// and headers on a bare node:http server (404 for anything else).

import http from 'node:http';

export interface Answer {
  readonly body: Buffer;
  readonly headers: http.OutgoingHttpHeaders;
}

export function serveAnswers(answers: ReadonlyMap<string, Answer>, port: number): void {
  http
    .createServer((req, res) => {
      const answer = answers.get(req.url ?? '');
      if (answer === undefined) {
        res.writeHead(404, { 'content-length': 0 }).end();
        return;
      }
      res.writeHead(200, answer.headers).end(answer.body);
    })
    .listen(port, '127.0.0.1');
}
