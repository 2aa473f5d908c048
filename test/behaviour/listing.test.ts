// Directory listings in both engines: sorting through the query string, the breadcrumb, the JSON
// form; and, where Debian's chromium is installed, the page as a browser renders it.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from '../helpers/http-client';
import { MODES, startTestServer } from '../helpers/start-server';

let base: string;
let root: string;

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-listing-'));
  root = path.join(base, 'root');
  const dir = path.join(root, 'files', 'sub dir');
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(root, 'files', 'b-folder'));
  const file = (name: string, size: number, ageSeconds: number) => {
    const full = path.join(root, 'files', name);
    fs.writeFileSync(full, Buffer.alloc(size, 'x'));
    const time = new Date(Date.now() - ageSeconds * 1000);
    fs.utimesSync(full, time, time);
  };
  file('alpha.txt', 300, 10);
  file('beta.txt', 100, 30);
  file('gamma.txt', 200, 20);
  file('<b>&quot;.txt', 1, 5);
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

type Listing = { sort: string; order: string; entries: { name: string; type: string }[] };
const names = (listing: Listing) => listing.entries.map((entry) => entry.name);

describe.each(MODES)('%s engine: listings', (mode) => {
  test('sorted by name, size or time, either way, directories first', async () => {
    const server = await startTestServer(root, mode);
    try {
      const json = async (query: string) => JSON.parse((await request(server.url, `/files/${query}`, { headers: { accept: 'application/json' } })).text) as Listing;
      expect(names(await json(''))).toEqual(['b-folder', 'sub dir', '<b>&quot;.txt', 'alpha.txt', 'beta.txt', 'gamma.txt']);
      expect(names(await json('?sort=name&order=desc'))).toEqual(['sub dir', 'b-folder', 'gamma.txt', 'beta.txt', 'alpha.txt', '<b>&quot;.txt']);
      expect(names(await json('?sort=size')).slice(2)).toEqual(['<b>&quot;.txt', 'beta.txt', 'gamma.txt', 'alpha.txt']);
      expect(names(await json('?sort=size&order=desc')).slice(2)).toEqual(['alpha.txt', 'gamma.txt', 'beta.txt', '<b>&quot;.txt']);
      expect(names(await json('?sort=time')).slice(2)).toEqual(['beta.txt', 'gamma.txt', 'alpha.txt', '<b>&quot;.txt']);
      const described = await json('?sort=time&order=desc');
      expect([described.sort, described.order]).toEqual(['time', 'desc']);
      // Nonsense falls back to the default rather than failing.
      expect(names(await json('?sort=%3Cscript%3E&order=sideways'))).toEqual(names(await json('')));
    } finally {
      await server.close();
    }
  });

  test('the HTML page has a breadcrumb, sort links that flip, and escapes every name', async () => {
    const server = await startTestServer(root, mode);
    try {
      const page = await request(server.url, '/files/sub%20dir/');
      expect(page.text).toContain('<a href="/">/</a><a href="/files/">files/</a><a href="/files/sub%20dir/">sub dir/</a>');
      const byName = await request(server.url, '/files/');
      expect(byName.text).toContain('<a href="?sort=name&amp;order=desc" aria-sort="ascending">Name ↑</a>');
      expect(byName.text).toContain('<a href="?sort=size&amp;order=asc">Size</a>');
      expect(byName.text).toContain('&lt;b&gt;&amp;quot;.txt');
      expect(byName.text).not.toContain('<b>&quot;');
      const bySize = await request(server.url, '/files/?sort=size&order=desc');
      expect(bySize.text).toContain('<a href="?sort=size&amp;order=asc" aria-sort="descending">Size ↓</a>');
      expect(bySize.text.indexOf('alpha.txt')).toBeLessThan(bySize.text.indexOf('beta.txt'));
    } finally {
      await server.close();
    }
  });
});

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((candidate) => fs.existsSync(candidate));
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--enable-logging=stderr', '--v=0'];

function runChromium(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhttp-chromium-'));
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM!, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      fs.rmSync(profile, { recursive: true, force: true });
      if (error && !stdout) reject(error);
      else resolve({ stdout, stderr });
    });
  });
}

(CHROMIUM === undefined ? describe.skip : describe)('listing in headless Chromium', () => {
  test('renders the table with its styles allowed by the CSP, and nothing refused', async () => {
    const server = await startTestServer(root, 'async');
    try {
      const url = `${server.url.replace('127.0.0.1', 'localhost')}/files/?sort=size&order=desc`;
      const { stdout, stderr } = await runChromium(['--dump-dom', url]);
      expect(stdout).toContain('<table>');
      expect(stdout).toMatch(/alpha\.txt[\s\S]*gamma\.txt[\s\S]*beta\.txt/);
      // A blocked inline style or script would be reported on the console.
      expect(stderr).not.toMatch(/Refused to (apply|execute|load)|Content Security Policy/);
      const screenshot = path.join(base, 'listing.png');
      await runChromium([`--screenshot=${screenshot}`, '--window-size=900,500', url]);
      expect(fs.statSync(screenshot).size).toBeGreaterThan(5_000);
    } finally {
      await server.close();
    }
  }, 90_000);
});
