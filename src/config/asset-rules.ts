// The asset options that are more than a word: cache rules and header rules (config file only),
// error pages. Validated at start (one ConfigError line naming the key), used by the pipeline.

import { ConfigError } from '../errors/http-error';
import { compileAssetGlob } from '../http/glob';
import { parseRequestTarget } from '../http/target';

export interface CacheControlRule {
  readonly path: string;
  readonly value: string;
}

export interface HeaderRule {
  readonly path: string;
  readonly set: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
/** Headers the server owns: framing, validators, coding and negotiation. */
// Cache-Control has its own rules (and `private` for protected files must not be undone).
const RESERVED = new Set([
  'accept-ranges', 'cache-control', 'connection', 'content-encoding', 'content-length', 'content-range', 'content-type',
  'date', 'etag', 'keep-alive', 'last-modified', 'location', 'proxy-connection', 'retry-after', 'set-cookie',
  'strict-transport-security', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'vary', 'www-authenticate',
  'x-content-type-options',
]);

export function checkHeaderValue(value: unknown, label: string): string {
  if (typeof value !== 'string' || value.length > 4096 || !FIELD_VALUE.test(value)) {
    throw new ConfigError(`${label} must be a header value of visible ASCII characters (got ${JSON.stringify(value)})`);
  }
  return value;
}

function checkGlob(path: unknown, where: string): string {
  if (typeof path !== 'string' || path === '') throw new ConfigError(`${where}: "path" must be a glob such as "*.html" or "/assets/**"`);
  compileAssetGlob(path);
  return path;
}

function checkList(value: unknown, label: string): Record<string, unknown>[] {
  if (!Array.isArray(value) || !value.every((rule) => typeof rule === 'object' && rule !== null && !Array.isArray(rule))) {
    throw new ConfigError(`${label} must be a JSON array of objects`);
  }
  return value as Record<string, unknown>[];
}

/** `[{ "path": "*.html", "value": "no-cache" }, …]`: the first rule whose glob matches sets Cache-Control. */
export function parseCacheControlRules(value: unknown, label: string): CacheControlRule[] {
  return checkList(value, label).map((rule, index) => {
    const where = `${label} rule ${index + 1}`;
    const { path, value: headerValue, ...rest } = rule;
    if (Object.keys(rest).length > 0) throw new ConfigError(`${where}: unknown key ${JSON.stringify(Object.keys(rest)[0])} (expected "path" and "value")`);
    return { path: checkGlob(path, where), value: checkHeaderValue(headerValue, `${where} "value"`) };
  });
}

/** `[{ "path": "/fonts/**", "set": { "X-Robots-Tag": "noindex" } }, …]`: every matching rule adds its headers. */
export function parseHeaderRules(value: unknown, label: string): HeaderRule[] {
  return checkList(value, label).map((rule, index) => {
    const where = `${label} rule ${index + 1}`;
    const { path, set, ...rest } = rule;
    if (Object.keys(rest).length > 0) throw new ConfigError(`${where}: unknown key ${JSON.stringify(Object.keys(rest)[0])} (expected "path" and "set")`);
    if (typeof set !== 'object' || set === null || Array.isArray(set)) throw new ConfigError(`${where}: "set" must be an object of header names to values`);
    const headers: Record<string, string> = {};
    for (const [name, headerValue] of Object.entries(set)) {
      if (!TOKEN.test(name)) throw new ConfigError(`${where}: ${JSON.stringify(name)} is not a header name`);
      if (RESERVED.has(name.toLowerCase())) throw new ConfigError(`${where}: ${name} is set by the server and cannot be configured`);
      headers[name] = checkHeaderValue(headerValue, `${where} ${name}`);
    }
    return { path: checkGlob(path, where), set: headers };
  });
}

/** `404=/404.html,403=/denied.html` → status → normalised path segments inside the root. */
export function parseErrorPages(value: string, label: string): Map<number, readonly string[]> {
  const pages = new Map<number, readonly string[]>();
  for (const entry of value.split(',')) {
    const match = /^\s*([45][0-9]{2})=(\S+)\s*$/.exec(entry);
    if (match === null) throw new ConfigError(`${label} must be STATUS=FILE pairs such as 404=404.html (got ${JSON.stringify(entry.trim())})`);
    pages.set(Number(match[1]), filePathSegments(match[2], `${label} ${match[1]}`));
  }
  return pages;
}

/** A file named relative to the root (`404.html`, `/errors/404.html`): its segments, or a ConfigError. */
export function filePathSegments(file: string, label: string): readonly string[] {
  let segments: readonly string[];
  try {
    const target = parseRequestTarget(file.startsWith('/') ? file : '/' + file);
    if (target.trailingSlash || target.query !== '') throw new Error('not a file');
    segments = target.segments;
  } catch {
    throw new ConfigError(`${label}: ${JSON.stringify(file)} must name a file inside the root`);
  }
  return segments;
}
