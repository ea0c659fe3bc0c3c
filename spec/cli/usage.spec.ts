/**
 * Help, version and usage errors: no server needed. Usage errors exit 2 with ONE line
 * on stderr (`rexsys-rx: …`), nothing on stdout and never a stack trace.
 */
import { expectOneLineError, runCli } from './helpers';

const SERVER = ['--url', 'http://127.0.0.1:9', '--project', 'demo', '--productkey', 'KIOSK-KEY'];

describe('rexsys-rx help and version', () => {
  it('--help lists the commands, the environment and the exit codes', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const word of ['emulator', 'certify', 'listen', 'send', 'REXSYS_URL', 'REXSYS_PROJECT', 'REXSYS_PRODUCTKEY', 'Exit codes']) {
      expect(run.stdout).toContain(word);
    }
    expect((await runCli(['-h'])).stdout).toBe(run.stdout);
    expect((await runCli(['help'])).stdout).toBe(run.stdout);
  });

  it.each(['emulator', 'certify', 'listen', 'send'])('%s: --help, -h and `help %s` show its options', async (command) => {
    const run = await runCli([command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: rexsys-rx ${command}`));
    expect(run.stdout).toContain('-h, --help');
    expect(run.stdout).toContain('--project');
    expect((await runCli([command, '-h'])).stdout).toBe(run.stdout);
    expect((await runCli(['help', command])).stdout).toBe(run.stdout);
  });

  it('--help wins over missing options', async () => {
    expect((await runCli(['send', '--via', 'socket', '--help'])).code).toBe(0);
  });

  it('--version prints the package version', async () => {
    const run = await runCli(['--version']);
    expect(run).toMatchObject({ code: 0, out: ['0.1.0'], stderr: '' });
  });
});

describe('rexsys-rx usage errors (exit 2, one line)', () => {
  it.each<[string, string[], RegExp]>([
    ['no command', [], /^rexsys-rx: missing command/],
    ['an unknown command', ['sned'], /unknown command "sned" \(did you mean send\?\)/],
    ['an option before the command', ['--url', 'x'], /unknown option --url \(a command comes first\)/],
    ['help for an unknown command', ['help', 'nope'], /unknown command "nope"/],
    ['an unknown option', ['send', '--foo', 'x'], /^rexsys-rx: unknown option --foo \(see: rexsys-rx send --help\)$/],
    ['a misspelt option', ['certify', '--prodcutkey', 'K'], /did you mean --productkey\?/],
    ['an option without its value', ['listen', '--url'], /option --url needs a value/],
    ['missing server options', ['certify'], /missing --url, --project, --productkey \(or set REXSYS_URL, REXSYS_PROJECT, REXSYS_PRODUCTKEY\)/],
    ['a URL that is not one', ['certify', '--url', 'not a url', '--project', 'demo', '--productkey', 'K'], /--url "not a url" is not a URL/],
    ['a URL of another scheme', ['certify', '--url', 'ftp://example.com', '--project', 'demo', '--productkey', 'K'], /must start with http:\/\/ or https:\/\//],
    ['bad JSON in --data', ['send', ...SERVER, '--to', 'display-01', '--command', 'show', '--data', '{url:'], /^rexsys-rx: --data is not valid JSON/],
    ['missing --to and --command', ['send', ...SERVER], /missing --to, --command/],
    ['an unknown --via', ['send', ...SERVER, '--to', 'd', '--command', 'c', '--via', 'pigeon'], /--via must be one of auto, socket, rest/],
    ['a bad --count', ['listen', ...SERVER, '--count', '0'], /--count must be a whole number 1 or more/],
    ['a bad --port', ['emulator', '--port', '70000'], /--port must be a whole number from 0 to 65535/],
    ['an https URL for the emulator', ['emulator', '--url', 'https://example.com'], /the emulator serves plain http/],
    ['--productkey without --project for the emulator', ['emulator', '--productkey', 'K'], /--productkey needs --project/],
    ['a repeated option', ['send', ...SERVER, '--to', 'a', '--to', 'b'], /option --to was given more than once/],
    ['a stray argument', ['certify', 'extra'], /unexpected argument "extra"/],
  ])('%s', async (_what, argv, pattern) => {
    expectOneLineError(await runCli(argv), 2, pattern);
  });

  it('reads the server options from REXSYS_* (the missing ones are named)', async () => {
    const run = await runCli(['certify'], { REXSYS_URL: 'http://127.0.0.1:9', REXSYS_PROJECT: 'demo' });
    expectOneLineError(run, 2, /missing --productkey \(or set REXSYS_PRODUCTKEY\)/);
  });

  it('an empty environment variable counts as unset', async () => {
    const run = await runCli(['certify', '--project', 'demo', '--productkey', 'K'], { REXSYS_URL: '' });
    expectOneLineError(run, 2, /missing --url/);
  });

  it('an invalid URL in REXSYS_URL is a usage error too', async () => {
    const run = await runCli(['certify', '--project', 'demo', '--productkey', 'K'], { REXSYS_URL: 'localhost:4100' });
    expectOneLineError(run, 2, /must start with http/);
  });
});
