// Validators for a file (RFC 9110 §8.8).

/**
 * Strong entity-tag from size and nanosecond mtime, like nginx's: stable across replicas that hold
 * the same files (no inode), and it changes whenever the bytes are rewritten.
 */
export function computeETag(size: bigint, mtimeNs: bigint): string {
  return `"${size.toString(16)}-${mtimeNs.toString(16)}"`;
}
