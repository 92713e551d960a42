// Where an output file is written, so that a failed run never destroys what was there:
// - a new path or an existing regular file: a temporary file in the same folder (created
//   exclusively, so nothing else is overwritten), renamed over the target only on success;
//   on failure only that temporary file is removed;
// - a symlink to a regular file: the same, at the file it points to (the link stays a link);
// - a device, FIFO or socket (/dev/null, a named pipe), or a dangling symlink: written in place,
//   and never removed: the command did not create it.
import { chmodSync, lstatSync, realpathSync, renameSync, statSync, unlinkSync, openSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface OutputTarget {
  /** Where to write now. */
  writePath: string;
  /** Moves the result into place (no-op for in-place targets). */
  commit(): void;
  /** Removes what this command created (the temporary file); never the target. */
  discard(): void;
}

function errnoCode(err: unknown): string | undefined {
  return (err as { code?: string }).code;
}

function inPlace(path: string): OutputTarget {
  return { writePath: path, commit() {}, discard() {} };
}

function viaTemporary(target: string): OutputTarget {
  let mode: number | undefined;
  try {
    mode = statSync(target).mode & 0o7777;
  } catch {
    mode = undefined;
  }
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  closeSync(openSync(tmp, 'wx'));
  let created = true;
  return {
    writePath: tmp,
    commit() {
      if (mode !== undefined) chmodSync(tmp, mode);
      renameSync(tmp, target);
      created = false;
    },
    discard() {
      if (!created) return;
      created = false;
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    },
  };
}

/** Decides how `path` is written (see the module comment). */
export function outputTarget(path: string): OutputTarget {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return viaTemporary(path);
    throw err;
  }
  if (st.isSymbolicLink()) {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      return inPlace(path); // dangling: opening it creates the file it names
    }
    return statSync(real).isFile() ? viaTemporary(real) : inPlace(path);
  }
  return st.isFile() ? viaTemporary(path) : inPlace(path);
}
