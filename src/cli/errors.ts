// Errors of the command line: what the user did wrong, said in one line.

/** A user-facing error: main.ts prints `tabdiff: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  path?: string;
}

const FS_MESSAGES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'a component of the path is not a directory',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
};

/** The message of any thrown value, as one line (no stack, no embedded newlines). */
export function formatError(err: unknown): string {
  let message: string;
  const e = err as SystemError | null;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.syscall === 'string' && FS_MESSAGES[e.code]) {
    message = e.path ? `${e.path}: ${FS_MESSAGES[e.code]}` : `${e.syscall}: ${FS_MESSAGES[e.code]}`;
  } else if (err instanceof Error) {
    message = err.message || err.name;
  } else {
    message = String(err);
  }
  return message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** True for the AbortError our AbortSignal (Ctrl-C) produces. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as SystemError).code === 'ABORT_ERR');
}
