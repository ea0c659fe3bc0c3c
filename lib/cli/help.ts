/**
 * The text of `rexsys-rx --help` and `rexsys-rx <command> --help`, made from the
 * command table and each command's option specs.
 */
import type { FlagSpec, FlagSpecs } from './args.js';
import type { AnyCliCommand } from './command.js';

function flagLabel(name: string, spec: FlagSpec): string {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  return `${short}--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
}

function flagNotes(spec: FlagSpec): string {
  const notes = [spec.env ? `env ${spec.env}` : '', spec.default !== undefined ? `default ${spec.default}` : ''].filter(Boolean);
  return notes.length > 0 ? ` [${notes.join('; ')}]` : '';
}

/** The options block: one aligned line per option. */
export function formatFlags(flags: FlagSpecs): string[] {
  const rows = Object.entries(flags).map(([name, spec]) => [flagLabel(name, spec), spec.description + flagNotes(spec)] as const);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, text]) => `  ${label.padEnd(width)}  ${text}`);
}

/** `rexsys-rx <command> --help`. */
export function commandHelp(command: AnyCliCommand): string {
  return [
    `Usage: ${command.usage}`,
    '',
    ...command.description,
    '',
    'Options:',
    ...formatFlags(command.flags as FlagSpecs),
    '',
    'Examples:',
    ...command.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

/** `rexsys-rx --help`. */
export function mainHelp(commands: readonly AnyCliCommand[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `rexsys-rx ${version}: a command-line client for Rexsys realtime servers, and a local emulator.`,
    '',
    'Usage: rexsys-rx <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help   Show this help (and `rexsys-rx <command> --help` for a command)',
    '  --version    Print the version',
    '',
    'Environment: REXSYS_URL, REXSYS_PROJECT and REXSYS_PRODUCTKEY stand in for --url,',
    '--project and --productkey. Results go to stdout (JSON), progress and errors to stderr.',
    'Tokens are never printed.',
    '',
    'Exit codes: 0 ok, 1 failure at run time (refused key, network, send failed),',
    '2 usage error (unknown or missing option, bad JSON, bad URL).',
    '',
    'Start here:',
    '  rexsys-rx emulator                      # a local server on http://127.0.0.1:4100',
    '  export REXSYS_URL=http://127.0.0.1:4100 REXSYS_PROJECT=demo',
    '  rexsys-rx listen --productkey DISPLAY-KEY',
    `  rexsys-rx send --productkey KIOSK-KEY --to display-01 --command show --data '{"url":"/a"}'`,
    '',
  ].join('\n');
}
