// Directory listing model for the resolve core; pipeline/respond.ts renders it as HTML or JSON.
// SECURITY: hidden names, and symlinks that leave the root or lead nowhere, are never listed.

import { Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import type { ListingEntry, ListingModel } from './resolution';
import { hasControlCharacters } from '../http/target';
import { isServableRealPath } from './containment';

/** Caddy's defaultDirEntryLimit: past this many entries the listing is cut and says so. */
export const MAX_LISTING_ENTRIES = 10_000;
/** Entries stat'ed at once; bounds open handles on huge directories. */
const STAT_BATCH_SIZE = 64;

export async function readListing(root: string, directory: string): Promise<ListingModel> {
  const dirents = await fs.readdir(directory, { withFileTypes: true });
  // Hidden names, and names no request could fetch (control characters), are not listed.
  const names = new Set(dirents.map((dirent) => dirent.name));
  // A precompressed twin is the same document as the file beside it, not an entry of its own
  // (still served when asked for by name).
  const isTwin = (name: string) => (name.endsWith('.br') || name.endsWith('.gz')) && names.has(name.slice(0, -3));
  const visible = dirents.filter((dirent) => !dirent.name.startsWith('.') && !hasControlCharacters(dirent.name) && !isTwin(dirent.name));
  const truncated = visible.length > MAX_LISTING_ENTRIES;
  const candidates = truncated ? visible.slice(0, MAX_LISTING_ENTRIES) : visible;

  const entries: ListingEntry[] = [];
  for (let i = 0; i < candidates.length; i += STAT_BATCH_SIZE) {
    const batch = candidates.slice(i, i + STAT_BATCH_SIZE);
    const described = await Promise.all(batch.map((dirent) => describeEntry(root, directory, dirent)));
    for (const entry of described) if (entry !== null) entries.push(entry);
  }
  entries.sort(compareEntries);
  return { kind: 'listing', entries, truncated };
}

async function describeEntry(root: string, directory: string, dirent: Dirent): Promise<ListingEntry | null> {
  const full = path.join(directory, dirent.name);
  try {
    if (dirent.isSymbolicLink()) {
      const real = await fs.realpath(full);
      if (!isServableRealPath(root, real)) return null;
    } else if (!dirent.isFile() && !dirent.isDirectory()) {
      return null;
    }
    const stats = await fs.stat(full);
    if (!stats.isFile() && !stats.isDirectory()) return null;
    return {
      name: dirent.name,
      isDirectory: stats.isDirectory(),
      size: stats.isDirectory() ? 0 : stats.size,
      mtimeMs: stats.mtimeMs,
    };
  } catch {
    return null; // vanished or unreadable since readdir: leave it out
  }
}

function compareEntries(a: ListingEntry, b: ListingEntry): number {
  if (a.isDirectory !== b.isDirectory) return a.isDirectory ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
