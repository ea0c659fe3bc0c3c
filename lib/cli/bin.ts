#!/usr/bin/env node
/**
 * The process entry of the `rexsys-rx` command: runs {@link main} with this process'
 * arguments and streams and exits with its code. Kept apart from `main.ts` so that
 * importing `main` never runs anything, in CommonJS and ESM builds alike.
 */
import { main } from './main.js';
import { oneLine } from './errors.js';

// `rexsys-rx listen | head -1`: a closed pipe ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

// The last line of defence for the promise "one line, never a stack trace".
const crash = (e: unknown) => {
  process.stderr.write(`rexsys-rx: internal error: ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
  process.exit(1);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

void main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
