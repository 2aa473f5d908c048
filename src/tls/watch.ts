// Notices when certificate files change (a renewal, a Kubernetes secret update) by polling their
// stat, which follows symlinks and survives the rename-into-place that renewal tools do.

import fs from 'node:fs';

export const WATCH_INTERVAL_MS = 1_000;
/** Renewals write the certificate and the key one after the other: wait for both. */
const SETTLE_MS = 300;

export interface FileWatch {
  /** Takes the files as they are now as seen (after a reload that read them for another reason). */
  resync(): void;
  stop(): void;
}

/** Calls `onChange` once after any of `files` changes. */
export function watchFiles(files: readonly string[], onChange: () => void, intervalMs = WATCH_INTERVAL_MS): FileWatch {
  let pending: NodeJS.Timeout | undefined;
  // Compared with what was there when watching began (fs.watchFile compares only its own
  // successive looks, and its first look comes late enough to miss a change).
  const seen = new Map(files.map((file) => [file, signatureOf(file)]));
  const poll = setInterval(() => {
    let changed = false;
    for (const file of files) {
      const now = signatureOf(file);
      if (now !== seen.get(file)) {
        seen.set(file, now);
        changed = true;
      }
    }
    if (!changed) return;
    clearTimeout(pending);
    pending = setTimeout(onChange, SETTLE_MS).unref();
  }, intervalMs).unref();
  return {
    resync() {
      clearTimeout(pending);
      for (const file of files) seen.set(file, signatureOf(file));
    },
    stop() {
      clearInterval(poll);
      clearTimeout(pending);
    },
  };
}

/** Identity of a file's current content; a missing file (mid-rename) has its own. */
function signatureOf(file: string): string {
  try {
    const stats = fs.statSync(file, { bigint: true });
    return `${stats.ino}:${stats.size}:${stats.mtimeNs}`;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'error';
  }
}
