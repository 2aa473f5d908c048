// The shared resolve core: normalised path → FileResolution. The async engine calls it on the
// event loop, the threaded engine inside piscina workers; nothing here knows which.
// SECURITY: this is where containment is enforced (realpath + path.relative, never startsWith).

import { BigIntStats, close, constants as fsConstants, fstat, open, promises as fs, read, Stats, statSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { contentTypeFor } from './mime';
import { computeETag, variantETag } from './etag';
import { readListing } from './listing';
import type { FileEntry, FileResolution, FileStamp, ResolveRequest, ResolverOptions } from './resolution';
import { isServableRealPath } from './containment';

const openAsync = promisify(open);

function fstatAsync(fd: number): Promise<BigIntStats> {
  return new Promise((resolve, reject) => fstat(fd, { bigint: true }, (error, stats) => (error ? reject(error) : resolve(stats))));
}

function readAsync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buffer, offset, length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead))),
  );
}

/** Closes without throwing: on every path out of resolveRegularFile, the descriptor must go. */
function closeQuietly(fd: number): Promise<void> {
  return new Promise((resolve) => close(fd, () => resolve()));
}

/** Where precompressed twins sit: `app.js.br`, `app.js.gz` beside `app.js`. */
export const TWIN_SUFFIX = { br: '.br', gzip: '.gz' } as const;

const MISSING: FileResolution = { kind: 'missing' };
const DENIED: FileResolution = { kind: 'denied' };
const DIRECTORY: FileResolution = { kind: 'directory' };

// O_NONBLOCK: if a FIFO were swapped in between stat and open, open still returns at once.
// O_NOFOLLOW: the last component must not have become a symlink since realpath.
const OPEN_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOFOLLOW;

export type Resolver = (request: ResolveRequest) => Promise<FileResolution>;

export function createResolver(options: ResolverOptions): Resolver {
  const { root, listing, indexNames, smallFileMaxBytes } = options;

  /** Real path of `candidate` if it stays inside the root and is not hidden; else a resolution. */
  async function toContainedRealPath(candidate: string): Promise<string | FileResolution> {
    let real: string;
    try {
      real = await fs.realpath(candidate);
    } catch (error) {
      return fromFsError(error);
    }
    // SECURITY: symlinks may point anywhere; only the real path decides.
    return isServableRealPath(root, real) ? real : MISSING;
  }

  /**
   * `real`, or the first precompressed twin (`real.br`, `real.gz`) the client accepts that is a
   * regular file inside the root. The twin is served with the original's type, its own length
   * and an entity-tag of its own.
   */
  /** `direct`: the URL's path reached `real` without a symlink (only then may a stat of `real` stand for the lookup). */
  async function resolveRegularFileOrTwin(real: string, stats: Stats, request: ResolveRequest, direct: boolean): Promise<FileResolution> {
    for (const coding of request.encodings ?? []) {
      const twin = await toContainedRealPath(real + TWIN_SUFFIX[coding]);
      if (typeof twin !== 'string') continue;
      const twinStats = await statOrNull(twin);
      if (!twinStats?.isFile()) continue;
      const resolution = await resolveRegularFile(twin, twinStats, request, false);
      if (resolution.kind !== 'file') continue;
      // No stamp: a twin stays valid only while its original exists, which only a full lookup checks.
      return { ...resolution, contentType: contentTypeFor(real), contentEncoding: coding, etag: variantETag(resolution.etag, coding), stamp: undefined };
    }
    return resolveRegularFile(real, stats, request, direct);
  }

  async function resolveRegularFile(real: string, stats: Stats, request: ResolveRequest, direct: boolean): Promise<FileResolution> {
    // A plain numeric descriptor, not a FileHandle: it may outlive this call (handed to the main
    // thread to stream), and a FileHandle would be closed by its garbage collection.
    let fd: number;
    try {
      fd = await openAsync(real, OPEN_FLAGS);
    } catch (error) {
      return fromFsError(error);
    }
    let keepOpen = false;
    try {
      const opened = await fstatAsync(fd);
      // The checked file must be the served file: same inode, still a regular file.
      if (!opened.isFile() || opened.ino !== BigInt(stats.ino) || opened.dev !== BigInt(stats.dev)) return MISSING;
      const size = Number(opened.size);
      const entry: FileEntry = {
        kind: 'file',
        size,
        mtimeMs: Number(opened.mtimeNs / 1_000_000n),
        etag: computeETag(opened.size, opened.mtimeNs),
        contentType: contentTypeFor(real),
        // Through a symlink, the link (or a linked directory) could be re-pointed while `real`
        // stays the same file: such entries are checked by a full lookup.
        stamp: direct ? { path: real, version: versionOf(opened) } : undefined,
      };
      if (!request.wantBody) return entry;
      if (size <= (request.bodyUpTo ?? smallFileMaxBytes)) {
        const body = await readWhole(fd, size);
        return { ...entry, size: body.length, body };
      }
      keepOpen = true;
      return { ...entry, fd };
    } catch (error) {
      return fromFsError(error);
    } finally {
      if (!keepOpen) await closeQuietly(fd);
    }
  }

  async function resolveDirectory(real: string, request: ResolveRequest, direct: boolean): Promise<FileResolution> {
    for (const indexName of indexNames) {
      const contained = await toContainedRealPath(path.join(real, indexName));
      if (typeof contained !== 'string') continue;
      const stats = await statOrNull(contained);
      if (stats?.isFile()) return resolveRegularFileOrTwin(contained, stats, request, direct && contained === path.join(real, indexName));
    }
    if (!listing) return MISSING;
    try {
      return await readListing(root, real);
    } catch (error) {
      return fromFsError(error);
    }
  }

  return async function resolveFile(request: ResolveRequest): Promise<FileResolution> {
    const candidate = path.join(root, ...request.segments);
    const contained = await toContainedRealPath(candidate);
    if (typeof contained !== 'string') return contained;
    // No symlink on the way (root is a real path already): the URL names `contained` directly.
    const direct = contained === candidate;

    let stats: Stats;
    try {
      stats = await fs.stat(contained);
    } catch (error) {
      return fromFsError(error);
    }
    if (stats.isDirectory()) {
      return request.trailingSlash ? resolveDirectory(contained, request, direct) : DIRECTORY;
    }
    // `file.txt/` names a directory that does not exist.
    if (request.trailingSlash) return MISSING;
    // SECURITY: FIFOs, sockets and devices are refused here, before anything opens them.
    if (!stats.isFile()) return MISSING;
    return resolveRegularFileOrTwin(contained, stats, request, direct);
  };
}

/** Everything that changes when a file is replaced, rewritten, truncated, renamed over or chmod'ed. */
function versionOf(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/**
 * Per stamp: is the file it names still that version? One stat instead of a whole lookup. A
 * path that now leads elsewhere (a symlink swapped in, a directory replaced) reaches another inode
 * or another ctime, and the caller does the full lookup with every check.
 */
export async function areUnchanged(stamps: readonly FileStamp[]): Promise<boolean[]> {
  return Promise.all(
    stamps.map((stamp) =>
      fs.stat(stamp.path, { bigint: true }).then(
        (stats) => stats.isFile() && versionOf(stats) === stamp.version,
        () => false,
      ),
    ),
  );
}

/** areUnchanged for a pool worker: plain stat calls in a row, no hop through libuv's threads. */
export function areUnchangedSync(stamps: readonly FileStamp[]): boolean[] {
  return stamps.map((stamp) => {
    try {
      const stats = statSync(stamp.path, { bigint: true });
      return stats.isFile() && versionOf(stats) === stamp.version;
    } catch {
      return false;
    }
  });
}

async function statOrNull(file: string): Promise<Stats | null> {
  try {
    return await fs.stat(file);
  } catch {
    return null;
  }
}

/** Reads a small file into its own ArrayBuffer, so a worker can transfer it without a copy. */
async function readWhole(fd: number, size: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(new ArrayBuffer(size));
  let offset = 0;
  while (offset < size) {
    const bytesRead = await readAsync(fd, bytes, offset, size - offset, offset);
    if (bytesRead === 0) break; // truncated since fstat: serve what exists, shorter
    offset += bytesRead;
  }
  return offset === size ? bytes : bytes.slice(0, offset);
}

/**
 * The one mapping from file-system errors to resolutions (send's onStatError, Caddy's openFile);
 * pipeline/resolve.ts turns the kinds into statuses.
 */
export function fromFsError(error: unknown): FileResolution {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ENAMETOOLONG':
    case 'ELOOP':
    case 'EINVAL':
      return MISSING;
    case 'EACCES':
    case 'EPERM':
      return DENIED;
    default:
      return { kind: 'failed', errno: code ?? 'EUNKNOWN' };
  }
}
