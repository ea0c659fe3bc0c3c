/**
 * The shape of one CLI subcommand: its options (which also make its `--help`) and
 * what it does.
 */
import type { FlagSpecs, ParsedFlags } from './args.js';
import type { Terminal } from './io.js';

/** One subcommand of `rexsys-rx`. */
export interface CliCommand<S extends FlagSpecs = FlagSpecs> {
  /** What is typed after `rexsys-rx`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The synopsis, e.g. `rexsys-rx send --to ID --command NAME [options]`. */
  readonly usage: string;
  /** Lines explaining what it does, shown by `--help`. */
  readonly description: readonly string[];
  /** Example command lines, shown by `--help`. */
  readonly examples: readonly string[];
  /** Its options. */
  readonly flags: S;
  /**
   * Runs with parsed options; resolves to the exit code. Throws a `UsageError` for a
   * command line that cannot work (exit 2) and anything else for a failure (exit 1).
   */
  run(flags: ParsedFlags<S>, term: Terminal): Promise<number>;
}

/** A command with its option types erased, for the command table. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- erases each command's own flag types (CliCommand is invariant in them)
export type AnyCliCommand = CliCommand<any>;

/** Identity helper that keeps a command's option types. */
export function defineCommand<S extends FlagSpecs>(command: CliCommand<S>): CliCommand<S> {
  return command;
}
