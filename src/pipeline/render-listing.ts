// Renders a ListingModel (from core/listing.ts) as a small HTML page or as JSON.
// SECURITY: names are HTML-escaped and links percent-encoded; the page runs no script and
// its CSP allows exactly its own inline stylesheet (by hash).

import { createHash } from 'node:crypto';
import type { ListingModel } from '../core/resolution';

const STYLE =
  'body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}' +
  'h1{font-size:1.2rem;font-weight:600;word-break:break-all}h1 a{color:#0645ad;text-decoration:none}' +
  'table{border-collapse:collapse;width:100%}th,td{padding:.3rem .6rem;text-align:left}' +
  'th{border-bottom:2px solid #ddd}tr:nth-child(even) td{background:#f7f7f7}' +
  'td.size,td.time{white-space:nowrap;color:#555}td.size{text-align:right}a{color:#0645ad}' +
  'p.note{color:#a00}th a{color:inherit;text-decoration:none}';

export const LISTING_CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export type SortKey = 'name' | 'size' | 'time';
export interface ListingSort {
  readonly key: SortKey;
  readonly descending: boolean;
}
export const DEFAULT_SORT: ListingSort = { key: 'name', descending: false };

/** `?sort=name|size|time&order=asc|desc`; anything else is the default (name, ascending). */
export function parseListingSort(query: string): ListingSort {
  if (query === '') return DEFAULT_SORT;
  const params = new URLSearchParams(query);
  const key = params.get('sort');
  const order = params.get('order');
  return {
    key: key === 'size' || key === 'time' ? key : 'name',
    descending: order === 'desc',
  };
}

/** Directories first, then by the key (name breaks ties), in the asked order. */
export function sortListing(model: ListingModel, sort: ListingSort): ListingModel {
  if (sort === DEFAULT_SORT) return model;
  const direction = sort.descending ? -1 : 1;
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const entries = [...model.entries].sort((a, b) => {
    if (a.isDirectory !== b.isDirectory) return a.isDirectory ? -1 : 1;
    const primary = sort.key === 'size' ? a.size - b.size : sort.key === 'time' ? a.mtimeMs - b.mtimeMs : byName(a.name, b.name);
    return (primary === 0 ? byName(a.name, b.name) : primary) * direction;
  });
  return { ...model, entries };
}

/** A column heading that sorts by its key, the other way round when it is the current one. */
function sortLink(label: string, key: SortKey, sort: ListingSort): string {
  const current = sort.key === key;
  const order = current && !sort.descending ? 'desc' : 'asc';
  const arrow = current ? (sort.descending ? ' ↓' : ' ↑') : '';
  return `<a href="?sort=${key}&amp;order=${order}"${current ? ' aria-sort="' + (sort.descending ? 'descending' : 'ascending') + '"' : ''}>${label}${arrow}</a>`;
}

/** `segments` are the directory's decoded path segments; the page's own URL ends with `/`. */
export function renderListingHtml(segments: readonly string[], model: ListingModel, sort: ListingSort = DEFAULT_SORT): string {
  const title = '/' + segments.map((s) => s + '/').join('');
  let crumbHref = '/';
  let breadcrumb = '<a href="/">/</a>';
  for (const segment of segments) {
    crumbHref += encodeURIComponent(segment) + '/';
    breadcrumb += `<a href="${escapeHtml(crumbHref)}">${escapeHtml(segment)}/</a>`;
  }
  const rows: string[] = [];
  if (segments.length > 0) rows.push('<tr><td><a href="../">../</a></td><td class="size"></td><td class="time"></td></tr>');
  for (const entry of model.entries) {
    const name = entry.isDirectory ? entry.name + '/' : entry.name;
    const href = encodeURIComponent(entry.name) + (entry.isDirectory ? '/' : '');
    rows.push(
      `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(name)}</a></td>` +
        `<td class="size"${entry.isDirectory ? '>' : ` title="${entry.size} bytes">${formatSize(entry.size)}`}</td>` +
        `<td class="time">${formatTime(entry.mtimeMs)}</td></tr>`,
    );
  }
  const note = model.truncated ? '<p class="note">This directory has more entries than are shown.</p>' : '';
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>Index of ${escapeHtml(title)}</title><style>${STYLE}</style></head><body>` +
    `<h1>Index of ${breadcrumb}</h1>${note}<table><thead><tr><th>${sortLink('Name', 'name', sort)}</th><th>${sortLink('Size', 'size', sort)}</th><th>${sortLink('Modified (UTC)', 'time', sort)}</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></body></html>\n`
  );
}

export function renderListingJson(segments: readonly string[], model: ListingModel, sort: ListingSort = DEFAULT_SORT): string {
  return (
    JSON.stringify({
      path: '/' + segments.map((s) => s + '/').join(''),
      sort: sort.key,
      order: sort.descending ? 'desc' : 'asc',
      entries: model.entries.map((entry) => ({
        name: entry.name,
        type: entry.isDirectory ? 'directory' : 'file',
        size: entry.size,
        modified: new Date(entry.mtimeMs).toISOString(),
      })),
      truncated: model.truncated,
    }) + '\n'
  );
}
