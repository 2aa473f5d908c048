// The plain data that crosses from the resolve core (event loop or pool worker) to the pipeline.
// Everything here must survive structured cloning: no classes, no functions.

import type { ContentCoding } from '../http/accept-encoding';

/** What a stage asks the resolve core. */
export interface ResolveRequest {
  /** Normalised, decoded path segments (see http/target.ts). */
  readonly segments: readonly string[];
  readonly trailingSlash: boolean;
  /** False for HEAD and other requests that never send the bytes. */
  readonly wantBody: boolean;
  /** Precompressed twins to look for beside the file (`.br`, `.gz`), best first. */
  readonly encodings?: readonly ContentCoding[];
  /** Files up to this size come back as bytes (default: the resolver's smallFileMaxBytes). */
  readonly bodyUpTo?: number;
}

export interface FileEntry {
  readonly kind: 'file';
  readonly size: number;
  readonly mtimeMs: number;
  readonly etag: string;
  /** The type of the file itself, also when a precompressed twin is what is served. */
  readonly contentType: string;
  /** Set when this entry is a precompressed twin (`app.js.br` for `app.js`): its bytes are encoded. */
  readonly contentEncoding?: ContentCoding;
  /** The whole file, for files up to the small-file threshold when a body was wanted. */
  readonly body?: Uint8Array;
  /**
   * Where the file was found and which version it was (device, inode, size, mtime, ctime), so a
   * cache can ask cheaply whether it is still the same file. Absent for precompressed twins.
   */
  readonly stamp?: FileStamp;
  /**
   * An open descriptor for larger files: the file that was checked is the file that is served.
   * The receiver owns it and must close it on every path (pipeline/respond.ts does).
   */
  readonly fd?: number;
}

export interface FileStamp {
  /** The real path inside the root that was opened. */
  readonly path: string;
  readonly version: string;
}

export interface ListingEntry {
  readonly name: string;
  readonly isDirectory: boolean;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface ListingModel {
  readonly kind: 'listing';
  /** Sorted: directories first, then by name (code-point order). */
  readonly entries: readonly ListingEntry[];
  /** True when the directory had more entries than the listing cap. */
  readonly truncated: boolean;
}

export type FileResolution =
  | FileEntry
  | ListingModel
  /** A directory named without its trailing slash: the pipeline redirects. */
  | { readonly kind: 'directory' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'denied' }
  /** A file-system error other than not-found/denied, as its errno code (EMFILE, EIO…). */
  | { readonly kind: 'failed'; readonly errno: string };

/** Options of the resolve core; passed to pool workers as workerData, so plain data only. */
export interface ResolverOptions {
  /** Real path of the served root (already passed through realpath). */
  readonly root: string;
  readonly listing: boolean;
  readonly indexNames: readonly string[];
  /** Files up to this size come back as bytes; larger ones as an open descriptor. */
  readonly smallFileMaxBytes: number;
}

/** What the engine compresses: the identity bytes (or a descriptor to read them from). */
export interface CompressTask {
  readonly coding: ContentCoding;
  /** 1 (fast) to 9 (small): gzip's level, and brotli's quality. */
  readonly level: number;
  readonly body?: Uint8Array;
  /** Read from position 0 for `size` bytes; the caller keeps ownership and closes it. */
  readonly fd?: number;
  readonly size: number;
}
