import { closeSync, copyFileSync, existsSync, fsync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, unlink, write } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Interrupted, UsageError } from '../diagnostics.js';
import type { FileSink } from '../pipeline.js';

/** Output names are plain file names: nothing is ever written outside the output folder. */
export function outputPath(dir: string, path: string): string {
  if (basename(path) !== path || path.startsWith('.')) throw new Error(`refusing output name ${JSON.stringify(path)}`);
  return join(dir, path);
}

/** Make the folder and any missing parent; returns the folders made, outermost first. */
function ensureDir(dir: string): string[] {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`output path ${dir} exists and is not a folder`);
  try {
    // Each missing level made on its own: Node's mkdirSync(recursive) loops forever where mkdir
    // answers ENOENT under an existing parent (e.g. in /proc).
    const missing: string[] = [];
    for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.push(d);
    missing.reverse();
    for (const d of missing) mkdirSync(d);
    return missing;
  } catch (e) {
    throw new UsageError(`cannot create output folder ${dir}: ${(e as Error).message}`);
  }
}

/** One output being written: its name, its temporary (open), its final place, and its text written and flushed. */
type Pending = { readonly path: string; readonly temp: string; readonly final: string; readonly fd: number; flushed: Promise<void> };

/**
 * Write a file's bytes and flush them to the disk, in libuv's thread pool: the next file renders
 * meanwhile (the kernel's copy of a 16 MB config takes some 40 ms). ASCII (as many bytes as
 * characters) is made bytes as Latin-1: a copy, not an encoding.
 */
function writeAndFlush(fd: number, text: string): Promise<void> {
  const bytes = Buffer.from(text, Buffer.byteLength(text) === text.length ? 'latin1' : 'utf8');
  return new Promise((resolve, reject) => {
    const from = (at: number) => {
      if (at === bytes.length) return fsync(fd, (e) => (e ? reject(e) : resolve()));
      // A short write (rare for a regular file) goes on from where it stopped.
      write(fd, bytes, at, bytes.length - at, null, (e, n) => (e ? reject(e) : n === 0 ? reject(new Error('the write made no progress')) : from(at + n)));
    };
    from(0);
  });
}

/**
 * All or nothing: every file is first written under a temporary name in the same folder, flushed to
 * the disk (fsync, so that a crash just after the render cannot leave an empty or partial file under
 * the final name), then each is renamed over its final name, and the folder is flushed too (the
 * renames themselves). A failure before the renames (rendering included) removes the temporaries
 * and leaves the folder as it was (a folder made for the output goes too); so does a rename that
 * fails (a folder or an immutable file in the way): the files already replaced get their old content
 * back from a hard link kept until the end.
 *
 * Ctrl-C (SIGINT) or SIGTERM: a signal handler only runs when the event loop turns, never inside
 * the synchronous render and renames, so the handler only notes the signal and the writer yields to
 * the loop at two points to look: once every temporary is written (they are removed: nothing was
 * replaced), and once the renames are done (they are undone from the hard links). Either way the
 * folder is as it was and the command exits 130 (143 for SIGTERM). The render itself runs to its
 * end first (it is synchronous, and takes seconds at most on the largest topologies).
 *
 * `fill` renders the files into the sinks that `open` gives (pipeline.ts streamFiles), which write
 * each file's text as it comes, in the background (writeAndFlush). Returns the paths written.
 */
export async function writeFiles(dir: string, fill: (open: (path: string) => FileSink) => void, owned: readonly string[] = []): Promise<string[]> {
  const pending: Pending[] = [];
  const backups: [string, string][] = [];
  let made: string[] | undefined;
  let signal: 'SIGINT' | 'SIGTERM' | undefined;
  const noteSignal = (s: NodeJS.Signals) => {
    signal ??= s === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
  };
  /** Let a pending signal's handler run, and stop there if one came. */
  const stopIfSignalled = async (outcome: string) => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal) throw new Interrupted(signal, `interrupted (${signal}): ${outcome}`);
  };
  const open = (path: string): FileSink => {
    made ??= ensureDir(dir);
    const final = outputPath(dir, path);
    if (existsSync(final) && !statSync(final).isFile()) throw new UsageError(`cannot write ${final}: it exists and is not a file`);
    const temp = join(dir, `.lbgen-tmp-${process.pid}-${path}`);
    let fd: number;
    try {
      fd = openSync(temp, 'w', 0o644);
    } catch (e) {
      throw new UsageError(`cannot write to ${dir}: ${(e as Error).message}`);
    }
    const p: Pending = { path, temp, final, fd, flushed: Promise.resolve() };
    pending.push(p);
    return { end: (text) => void (p.flushed = writeAndFlush(fd, text)) };
  };
  const asItWas = `nothing written, ${dir} is as it was`;
  process.on('SIGINT', noteSignal).on('SIGTERM', noteSignal);
  let committed = false;
  try {
    fill(open);
    made ??= ensureDir(dir);
    try {
      await Promise.all(pending.map((p) => p.flushed));
    } catch (e) {
      throw new UsageError(`cannot write to ${dir}: ${(e as Error).message}`);
    }
    await stopIfSignalled(asItWas);
    try {
      for (const p of pending) {
        if (!existsSync(p.final)) continue;
        const backup = join(dir, `.lbgen-old-${process.pid}-${p.path}`);
        keepCopy(p.final, backup);
        backups.push([backup, p.final]);
      }
    } catch (e) {
      throw new UsageError(`cannot write to ${dir}: ${(e as Error).message}`);
    }
    const renamed: string[] = [];
    try {
      for (const p of pending) {
        renameSync(p.temp, p.final);
        renamed.push(p.final);
      }
    } catch (e) {
      rollBack(renamed, backups);
      throw new UsageError(`cannot write ${pending[renamed.length]!.final}: ${(e as Error).message} (the folder is as it was)`);
    }
    try {
      syncFolder(dir);
    } catch (e) {
      rollBack(renamed, backups);
      throw new UsageError(`cannot write to ${dir}: ${(e as Error).message} (the folder is as it was)`);
    }
    try {
      await stopIfSignalled(asItWas);
    } catch (e) {
      rollBack(renamed, backups);
      throw e;
    }
    committed = true;
  } finally {
    // No write may be left in flight on a descriptor that closes (a render that failed half-way).
    await Promise.allSettled(pending.map((p) => p.flushed));
    for (const p of pending) closeSync(p.fd);
    if (!committed) {
      removeTemps(pending);
      removeBackups(backups);
      for (const d of [...(made ?? [])].reverse()) rmdirQuietly(d);
      process.off('SIGINT', noteSignal).off('SIGTERM', noteSignal);
    }
  }
  // Still listening (a signal now would otherwise kill the process and leave the backups behind):
  // the old contents, kept for a rollback, go in parallel, as freeing a large file's blocks takes time.
  try {
    await Promise.all(backups.map(([backup]) => removeFile(backup)));
    removeStale(dir, pending.map((p) => p.path), owned);
    // A signal that came meanwhile may be handled in the same turn of the loop as the last removal,
    // after it: one more turn lets its handler run before the handlers go.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    process.off('SIGINT', noteSignal).off('SIGTERM', noteSignal);
  }
  if (signal) throw new Interrupted(signal, `interrupted (${signal}) after ${dir} was written: it holds the new files`);
  return pending.map((p) => p.path);
}

/**
 * A file lbgen made, removed in the background; one already gone is fine. fs.unlink, not fs.rm (nor
 * node:fs/promises): their first call loads modules that cost every render about 1 ms and 1 MB.
 */
const removeFile = (file: string) => new Promise<void>((resolve, reject) => {
  unlink(file, (e) => (e && e.code !== 'ENOENT' ? reject(e) : resolve()));
});

/** The temporaries of a write that did not happen (after a commit each was renamed to its final name). */
const removeTemps = (pending: readonly Pending[]) => {
  for (const p of pending) rmSync(p.temp, { force: true });
};

const removeBackups = (backups: readonly [string, string][]) => {
  for (const [backup] of backups) rmSync(backup, { force: true });
};

/**
 * Flush the folder itself, so that the renames survive a crash. A file system that cannot sync a
 * folder says so (EINVAL and the like): the files themselves are synced already.
 */
function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch (e) {
    if (!['EINVAL', 'ENOTSUP', 'ENOSYS', 'EISDIR', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    closeSync(fd);
  }
}

/** A folder made for an output that was not written: removed when still empty. */
function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (something else wrote there meanwhile) or already gone: left as it is.
  }
}

/** A hard link costs nothing; a file system without them gets a copy. */
function keepCopy(file: string, backup: string): void {
  try {
    linkSync(file, backup);
  } catch {
    copyFileSync(file, backup);
  }
}

/** Undo the renames done: an old file comes back from its hard link, a new one goes. */
function rollBack(renamed: readonly string[], backups: readonly [string, string][]): void {
  const old = new Map(backups.map(([backup, final]) => [final, backup]));
  for (const final of renamed) {
    const backup = old.get(final);
    if (backup) renameSync(backup, final);
    else rmSync(final, { force: true });
  }
}

/**
 * A file these targets can write but no longer do (prometheus-rules.yaml once the alerts are gone)
 * is removed, so that check agrees with render; only when lbgen wrote it (its header says so).
 */
function removeStale(dir: string, paths: readonly string[], owned: readonly string[]): void {
  const written = new Set(paths);
  for (const name of owned) {
    const file = join(dir, name);
    if (written.has(name) || !existsSync(file)) continue;
    if (readFileSync(file, 'utf8').startsWith('# Generated by lbgen ')) rmSync(file);
  }
}
