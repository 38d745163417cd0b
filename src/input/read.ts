import { isUtf8 } from 'node:buffer';
import { readFileSync, statSync } from 'node:fs';
import { LbgenError, UsageError } from '../diagnostics.js';
import { MAX_BYTES } from './load.js';

/**
 * Reading a topology: a file or standard input, at most MAX_BYTES, decoded as UTF-8 (an invalid
 * byte is an error at its line). Parsing is load.ts's.
 */

/** `-` names standard input (a generated topology piped in); diagnostics call it <stdin>. */
export const STDIN = '-';
export const label = (file: string) => (file === STDIN ? '<stdin>' : file);

export function readTopology(file: string): string {
  if (file === STDIN) return decode(readStdin(), label(file));
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UsageError(`${file} is a folder, not a topology file`, file);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, file);
  }
  if (size > MAX_BYTES) {
    throw new LbgenError([{ severity: 'error', pointer: '', path: '(document)', file, line: 1, column: 1, message: `the file is ${size} bytes: a topology may be at most ${MAX_BYTES} bytes (64 MiB)` }]);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`, file);
  }
  return decode(bytes, file);
}

function readStdin(): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(0);
  } catch (e) {
    throw new UsageError(`cannot read standard input: ${(e as Error).message}`, label(STDIN));
  }
  if (bytes.length > MAX_BYTES) {
    throw new LbgenError([{ severity: 'error', pointer: '', path: '(document)', file: label(STDIN), line: 1, column: 1, message: `the input is ${bytes.length} bytes: a topology may be at most ${MAX_BYTES} bytes (64 MiB)` }]);
  }
  return bytes;
}

function decode(bytes: Buffer, file: string): string {
  // isUtf8 is one vectorised pass; toString then decodes without checking again (a BOM is load's to skip).
  if (isUtf8(bytes)) return bytes.toString('utf8');
  const bad = firstInvalidUtf8(bytes);
  const line = bytes.subarray(0, bad).toString('latin1').split('\n').length;
  throw new LbgenError([{ severity: 'error', pointer: '', path: '(document)', file, line, column: 1, message: `not UTF-8 text (invalid byte at offset ${bad}): expected a YAML topology` }]);
}

function firstInvalidUtf8(bytes: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    try {
      decoder.decode(bytes.subarray(0, mid + 1), { stream: true });
      lo = mid + 1;
    } catch {
      hi = mid;
    }
  }
  return lo;
}
