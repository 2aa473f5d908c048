// Validators for a file (RFC 9110 §8.8).

/**
 * Strong entity-tag from size and nanosecond mtime, like nginx's: stable across replicas that hold
 * the same files (no inode), and it changes whenever the bytes are rewritten.
 */
export function computeETag(size: bigint, mtimeNs: bigint): string {
  return `"${size.toString(16)}-${mtimeNs.toString(16)}"`;
}

/** The entity-tag of an encoded variant: distinct per coding (RFC 9110 §8.8.3.3). */
export function variantETag(etag: string, coding: string): string {
  return `${etag.slice(0, -1)}-${coding}"`;
}
