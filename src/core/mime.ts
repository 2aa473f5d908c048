// MIME type resolution for the resolve core, with mime-types as the one source of truth.

import path from 'node:path';
import mime from 'mime-types';

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

// Keyed by lower-case extension: a few hundred entries at most, and it saves a db walk per request.
const contentTypeByExtension = new Map<string, string>();

/**
 * Content-Type for a file name: mime-types' type, with `charset=utf-8` where mime-types knows the
 * type is text; application/octet-stream when the extension is unknown.
 */
export function contentTypeFor(fileName: string): string {
  const extension = path.extname(fileName).toLowerCase();
  let contentType = contentTypeByExtension.get(extension);
  if (contentType === undefined) {
    const type = extension === '' ? false : mime.lookup(extension);
    contentType = (type === false ? false : mime.contentType(type)) || DEFAULT_CONTENT_TYPE;
    contentTypeByExtension.set(extension, contentType);
  }
  return contentType;
}
