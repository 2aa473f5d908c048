// Peer static-file servers for `npm run bench`, each on its defaults (caching and ETag as shipped,
// no compression unless on by default, no logging), serving ROOT on 127.0.0.1:PORT.
// The peers are not dependencies of tinyhttp-mt: they live in benchmarks/package.json and are
// installed with `npm ci --prefix benchmarks`. Their types are not needed to build: each module is
// loaded with createRequire and described by the few members used here.
// Usage: node dist/benchmarks/peer-server.js NAME ROOT PORT

import { createRequire } from 'node:module';
import http from 'node:http';
import path from 'node:path';

type Next = (error?: unknown) => void;
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, next?: Next) => void;
type Load = (id: string) => unknown;

interface HttpServerModule {
  createServer(options: { root: string }): { listen(port: number, host: string): unknown };
}
interface ExpressApp {
  use(handler: Handler): void;
  listen(port: number, host: string): unknown;
}
interface FastifyApp {
  register(plugin: unknown, options: { root: string }): unknown;
  listen(options: { port: number; host: string }): Promise<string>;
}

interface Peer {
  /** Packages the peer needs from benchmarks/node_modules. */
  readonly modules: readonly string[];
  readonly start: (load: Load, root: string, port: number) => Promise<void>;
}

const HOST = '127.0.0.1';
const REPO_ROOT = path.resolve(__dirname, '..', '..');

export const PEERS: Readonly<Record<string, Peer>> = {
  sirv: {
    modules: ['sirv'],
    start: async (load, root, port) => {
      const sirv = load('sirv') as (dir: string) => Handler;
      const serve = sirv(root);
      http.createServer((req, res) => serve(req, res)).listen(port, HOST);
    },
  },
  'http-server': {
    modules: ['http-server'],
    start: async (load, root, port) => {
      (load('http-server') as HttpServerModule).createServer({ root }).listen(port, HOST);
    },
  },
  express: {
    modules: ['express', 'serve-static'],
    start: async (load, root, port) => {
      const app = (load('express') as () => ExpressApp)();
      app.use((load('serve-static') as (dir: string) => Handler)(root));
      app.listen(port, HOST);
    },
  },
  fastify: {
    modules: ['fastify', '@fastify/static'],
    start: async (load, root, port) => {
      const app = (load('fastify') as (options: { logger: boolean }) => FastifyApp)({ logger: false });
      await app.register(load('@fastify/static'), { root });
      await app.listen({ port, host: HOST });
    },
  },
};

/** `require` that resolves from benchmarks/node_modules, not the repository's own. */
export function peerRequire(): NodeJS.Require {
  return createRequire(path.join(REPO_ROOT, 'benchmarks', 'package.json'));
}

/** The first of the peer's modules that is not installed, or undefined when all are. */
export function missingModule(peer: Peer): string | undefined {
  const load = peerRequire();
  return peer.modules.find((id) => {
    try {
      load.resolve(id);
      return false;
    } catch {
      return true;
    }
  });
}

async function main(): Promise<void> {
  const [name, root, portArg] = process.argv.slice(2);
  const peer = PEERS[name];
  if (peer === undefined) throw new Error(`unknown peer ${name}; known: ${Object.keys(PEERS).join(', ')}`);
  const missing = missingModule(peer);
  if (missing !== undefined) throw new Error(`${missing} is not installed; \`npm ci --prefix benchmarks\` installs the peers`);
  await peer.start(peerRequire(), root, Number(portArg));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
