#!/usr/bin/env node
/**
 * The `rexsys-rx` command line: `emulator`, `certify`, `listen`, `send` and `request`.
 *
 * {@link main} runs one command line in-process and resolves to its exit code, so
 * tests call it with their own streams. The process entry is `bin.ts`, which only
 * calls `main` with `process.argv` (this file never runs itself: that works the same
 * in CommonJS and ESM builds).
 *
 * @packageDocumentation
 */
import { closest, parseArgs } from './args.js';
import type { AnyCliCommand } from './command.js';
import { certifyCommand } from './commands/certify.js';
import { emulatorCommand } from './commands/emulator.js';
import { listenCommand } from './commands/listen.js';
import { requestCommand } from './commands/request.js';
import { sendCommand } from './commands/send.js';
import { EXIT_OK, describeError, exitCodeOf, UsageError } from './errors.js';
import { commandHelp, mainHelp } from './help.js';
import { Terminal, type CliIo } from './io.js';
import { packageVersion } from './version.js';

export type { CliIo, TextSink } from './io.js';
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './errors.js';

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly AnyCliCommand[] = [emulatorCommand, certifyCommand, listenCommand, sendCommand, requestCommand];

/** `unknown command "sned" (did you mean send?)`. */
function unknownCommand(name: string): UsageError {
  const guess = closest(
    name,
    COMMANDS.map((c) => c.name),
  );
  return new UsageError(`unknown command "${name}"${guess ? ` (did you mean ${guess}?)` : ''}`);
}

const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr });

/**
 * Runs one `rexsys-rx` command line (without the program name) and resolves to its exit
 * code: 0 ok, 1 failure at run time, 2 usage error. Results go to `io.stdout`; states,
 * logs and the one-line error (`rexsys-rx: …`) to `io.stderr`. Never rejects, never
 * prints a stack trace or a token.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const sink = { write: (s: string) => lines.push(s) };
 * const code = await main(['certify', '--url', url, '--project', 'demo', '--productkey', 'KIOSK-KEY'], { stdout: sink, stderr: sink });
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const term = new Terminal(io);
  try {
    const [name, ...rest] = argv;
    if (name === undefined) throw new UsageError('missing command: one of emulator, certify, listen, send, request');
    if (name === '--help' || name === '-h') {
      term.out(mainHelp(COMMANDS, packageVersion()).trimEnd());
      return EXIT_OK;
    }
    if (name === '--version' || name === '-V') {
      term.out(packageVersion());
      return EXIT_OK;
    }
    if (name === 'help') {
      const topic = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
      if (rest[0] !== undefined && !topic) throw unknownCommand(rest[0]);
      term.out((topic ? commandHelp(topic) : mainHelp(COMMANDS, packageVersion())).trimEnd());
      return EXIT_OK;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      throw name.startsWith('-') ? new UsageError(`unknown option ${name} (a command comes first)`) : unknownCommand(name);
    }
    const { flags } = parseArgs(rest, command.flags, { command: command.name });
    if (flags.help) {
      term.out(commandHelp(command).trimEnd());
      return EXIT_OK;
    }
    return await command.run(flags, term);
  } catch (error) {
    term.err(`rexsys-rx: ${describeError(error)}`);
    return exitCodeOf(error);
  }
}
