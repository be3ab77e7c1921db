import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Each integration test file gets a namespace of its own on the shared dev server. */
export function namespaceForFile(fileOrUrl: string): string {
  const file = fileOrUrl.startsWith('file:') ? fileURLToPath(fileOrUrl) : fileOrUrl;
  return `test-${basename(file).replace(/\.test\.ts$/, '')}`;
}
