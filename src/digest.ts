import { createRequire } from 'node:module';

/**
 * SHA-256 of `text`, in hex. node:crypto is loaded on the first call, not at start-up: loading it
 * cost every run about 2 MB of memory and 2 ms, and few runs hash anything (a fixed target group
 * name too long for AWS, the token of GitHub's stop-commands).
 */
export function sha256Hex(text: string): string {
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}
