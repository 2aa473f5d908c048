// End to end on a tree nobody here wrote: the installed typescript package's lib/ folder
// (hundreds of .d.ts, .js and .json files, some of them many MiB), through both engines.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import mime from 'mime-types';
import { request } from '../helpers/http-client';
import { MODES, startTestServer, TestServer } from '../helpers/start-server';

const LIB = path.dirname(require.resolve('typescript/lib/typescript.js'));
/** Every file under lib/, as a relative POSIX path (the locale folders included). */
const ALL_FILES = (fs.readdirSync(LIB, { recursive: true }) as string[])
  .filter((relative) => fs.statSync(path.join(LIB, relative)).isFile())
  .map((relative) => relative.split(path.sep).join('/'))
  .sort();
const FILES = fs
  .readdirSync(LIB, { withFileTypes: true })
  .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
  .map((entry) => entry.name)
  .sort();
const DIRECTORIES = fs
  .readdirSync(LIB, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
  .map((entry) => entry.name)
  .sort();

function expectedContentType(name: string): string {
  const type = mime.lookup(name);
  return type === false ? 'application/octet-stream' : (mime.contentType(type) as string);
}

describe.each(MODES)('serving typescript/lib (%s engine)', (mode) => {
  let server: TestServer;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  beforeAll(async () => (server = await startTestServer(LIB, mode)));
  afterAll(async () => {
    agent.destroy();
    await server.close();
  });

  test('the tree is real and large enough to mean something', () => {
    expect(ALL_FILES.length).toBeGreaterThan(100);
    expect(DIRECTORIES.length).toBeGreaterThan(0);
  });

  test('every file comes back with its exact bytes, Content-Length and Content-Type', async () => {
    const mismatches: string[] = [];
    for (let i = 0; i < ALL_FILES.length; i += 8) {
      await Promise.all(
        ALL_FILES.slice(i, i + 8).map(async (name) => {
          const res = await request(server.url, '/' + name.split('/').map(encodeURIComponent).join('/'), { agent });
          const onDisk = fs.readFileSync(path.join(LIB, name));
          if (res.status !== 200) mismatches.push(`${name}: status ${res.status}`);
          else if (!res.body.equals(onDisk)) mismatches.push(`${name}: bytes differ`);
          else if (res.headers['content-length'] !== String(onDisk.length)) mismatches.push(`${name}: Content-Length`);
          else if (res.headers['content-type'] !== expectedContentType(name)) {
            mismatches.push(`${name}: Content-Type ${res.headers['content-type']}`);
          }
        }),
      );
    }
    expect(mismatches).toEqual([]);
  });

  test('the JSON listing names exactly the files and directories on disk', async () => {
    const res = await request(server.url, '/', { headers: { Accept: 'application/json' }, agent });
    expect(res.status).toBe(200);
    const listing = JSON.parse(res.text) as { entries: { name: string; type: string; size: number }[] };
    const files = listing.entries.filter((e) => e.type === 'file');
    expect(files.map((e) => e.name).sort()).toEqual(FILES);
    expect(listing.entries.filter((e) => e.type === 'directory').map((e) => e.name).sort()).toEqual(DIRECTORIES);
    for (const entry of files) expect(entry.size).toBe(fs.statSync(path.join(LIB, entry.name)).size);
  });

  test('each sub-directory redirects to its slash form and lists its files', async () => {
    for (const directory of DIRECTORIES) {
      const redirect = await request(server.url, '/' + directory, { agent });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.location).toBe(`/${encodeURIComponent(directory)}/`);
      const res = await request(server.url, redirect.headers.location!, { headers: { Accept: 'application/json' }, agent });
      const names = (JSON.parse(res.text) as { entries: { name: string }[] }).entries.map((e) => e.name).sort();
      expect(names).toEqual(fs.readdirSync(path.join(LIB, directory)).sort());
    }
  });

  test('the HTML listing links every file', async () => {
    const res = await request(server.url, '/', { agent });
    for (const name of FILES) expect(res.text).toContain(`href="${encodeURIComponent(name)}"`);
  });
});
