/**
 * Crash-safe file replacement.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Writes `data` to `path` atomically: the bytes go to a uniquely named temporary file in the same
 * directory, which is flushed to disk (`fsync`) and then renamed over `path`. Readers and crashes
 * therefore see either the complete old file or the complete new one, never a truncated mix.
 * An existing file's permission bits are kept. On failure the temporary file is removed and the
 * original file is left untouched.
 *
 * @param path - Destination file; its directory must exist.
 * @param data - Complete new file contents.
 * @throws The underlying `fs` error (e.g. ENOENT for a missing directory, EISDIR if `path` is a directory).
 */
export function atomicWriteFileSync(path: string, data: Uint8Array): void {
  const target = resolve(path);
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let mode = 0o666;
  try {
    mode = statSync(target).mode & 0o7777;
  } catch {
    // No existing file: default permissions (subject to umask).
  }
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Temporary file already gone.
    }
    throw err;
  }
  syncDirectory(dir);
}

/** Best-effort fsync of a directory so a completed rename survives power loss (not possible on every OS). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (e.g. Windows) cannot fsync directories; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
