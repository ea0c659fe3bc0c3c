/**
 * The CLI's two kinds of failure and how any error becomes an exit code and ONE line
 * on stderr. Exit codes: 0 ok, 1 runtime failure, 2 usage error.
 */
import { RexsysError } from '../errors.js';

/** Everything went as asked. */
export const EXIT_OK = 0;
/** Something failed at run time: refused key, network, send failed. */
export const EXIT_FAILURE = 1;
/** The command line cannot work: unknown flag, missing flag, bad JSON, bad URL. */
export const EXIT_USAGE = 2;

/** A command line that cannot work (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(
    message: string,
    /** The command whose `--help` would help, when known. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** A failure at run time that the CLI explains itself (exit code 1). */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}

/** The exit code for an error: 2 for usage errors and invalid arguments, 1 otherwise. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  if (error instanceof RexsysError && error.code === 'E_INVALID_ARGUMENT') return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** Collapses any text to a single line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/**
 * The message of an error as one line, never a stack trace. Library errors carry a
 * readable, token-free message; anything else is named as unexpected.
 */
export function describeError(error: unknown): string {
  if (error instanceof UsageError) {
    const hint = error.command ? ` (see: rexsys-rx ${error.command} --help)` : ' (see: rexsys-rx --help)';
    return oneLine(error.message) + hint;
  }
  if (error instanceof CliFailure || error instanceof RexsysError) return oneLine(error.message);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return oneLine(`unexpected error: ${error.message}${typeof code === 'string' && !error.message.includes(code) ? ` (${code})` : ''}`);
  }
  return oneLine(`unexpected error: ${String(error)}`);
}
