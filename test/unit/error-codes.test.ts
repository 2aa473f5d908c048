import { STATUS_CODES } from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, type ErrorCode } from '../../src/errors/codes';
import { HttpError } from '../../src/errors/http-error';

const entries = Object.entries(ERROR_CODES) as [ErrorCode, { status: number; message: string }][];

describe('ERROR_CODES', () => {
  test('the catalogue is not empty', () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  test.each(entries)('%s has a TH_ERR_ name, a 4xx/5xx status and a short public message', (code, info) => {
    expect(code).toMatch(/^TH_ERR_[A-Z_]+$/);
    expect(Number.isInteger(info.status)).toBe(true);
    expect(info.status).toBeGreaterThanOrEqual(400);
    expect(info.status).toBeLessThanOrEqual(599);
    expect(info.message.trim()).not.toBe('');
    expect(info.message).toBe(info.message.trim());
    expect(info.message.length).toBeLessThanOrEqual(80);
  });

  test.each(entries)('%s message carries no path, errno, stack or config text', (_code, info) => {
    expect(info.message).not.toMatch(/[/\\]/); // no file-system paths
    expect(info.message).not.toMatch(/[\r\n\t]/); // one line
    expect(info.message).not.toMatch(/\bat\s+\S+\s*\(/); // stack frame
    expect(info.message).not.toMatch(/\bE[A-Z]{3,}\b/); // errno names like ENOENT, EMFILE
    expect(info.message).not.toMatch(/TH_ERR_|TINYHTTP_|--[a-z]/); // internal codes, env vars, flags
    expect(info.message).not.toMatch(/[{}<>"`]/); // no templated or markup content
  });

  test.each(entries)('new HttpError(%s) takes its status and message from the catalogue', (code, info) => {
    const error = new HttpError(code, { cause: new Error('/secret/path ENOENT') });
    expect(error.code).toBe(code);
    expect(error.status).toBe(info.status);
    expect(error.message).toBe(info.message);
    expect(error.headers).toEqual({});
    // Server faults carry an id to match the error log; 505 is the client's doing, and a full
    // pool or login queue is load shed by design: those do not.
    const shed = code === 'TH_ERR_POOL_BUSY' || code === 'TH_ERR_AUTH_BUSY';
    if (info.status >= 500 && info.status !== 505 && !shed) expect(error.id).toMatch(/^[0-9a-f]{8}$/);
    else expect(error.id).toBeUndefined();
  });

  test('the message of each status code is the standard reason phrase or starts with it', () => {
    const reason = STATUS_CODES;
    for (const [code, info] of entries) {
      expect([code, info.message.startsWith(reason[info.status] ?? '\u0000')]).toEqual([code, true]);
    }
  });
});

describe('README error table', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `(TH_ERR_[A-Z_]+)` \| (\d{3}) \| (.+?) \|$/gm)].map((m) => ({
    code: m[1],
    status: Number(m[2]),
    message: m[3],
  }));

  test('lists every code in the catalogue with its status and message, and nothing else', () => {
    expect(rows).toEqual(entries.map(([code, info]) => ({ code, status: info.status, message: info.message })));
  });
});
