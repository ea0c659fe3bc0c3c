import { choiceOption, closest, integerOption, parseArgs, withEnv, type FlagSpecs } from '../../lib/cli/args';
import { UsageError, describeError, exitCodeOf } from '../../lib/cli/errors';
import { Terminal } from '../../lib/cli/io';
import { RexsysArgumentError, RexsysTransportError } from '../../lib/errors';

const SPECS = {
  url: { type: 'string', value: 'URL', env: 'REXSYS_URL', description: 'url' },
  productkey: { type: 'string', description: 'key' },
  data: { type: 'string', description: 'data' },
  quiet: { type: 'boolean', description: 'quiet' },
  help: { type: 'boolean', short: 'h', description: 'help' },
} as const satisfies FlagSpecs;

const usageMessage = (argv: string[]) => {
  try {
    parseArgs(argv, SPECS, { command: 'send' });
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).command).toBe('send');
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('parseArgs', () => {
  it('reads --name value, --name=value, switches and short aliases', () => {
    const { flags, positionals } = parseArgs(['--url', 'http://a', '--data={"a":1}', '--quiet', '-h'], SPECS);
    expect(flags).toEqual({ url: 'http://a', productkey: undefined, data: '{"a":1}', quiet: true, help: true });
    expect(positionals).toEqual([]);
  });

  it('defaults switches to false and values to undefined', () => {
    expect(parseArgs([], SPECS).flags).toEqual({ url: undefined, productkey: undefined, data: undefined, quiet: false, help: false });
  });

  it('takes values that look like negative numbers or single dashes, and attached values starting with --', () => {
    expect(parseArgs(['--data', '-1'], SPECS).flags.data).toBe('-1');
    expect(parseArgs(['--data', '-'], SPECS).flags.data).toBe('-');
    expect(parseArgs(['--data=--x'], SPECS).flags.data).toBe('--x');
    expect(parseArgs(['--data='], SPECS).flags.data).toBe('');
  });

  it('refuses unknown options, with a hint for typos', () => {
    expect(usageMessage(['--prodcutkey', 'K'])).toBe('unknown option --prodcutkey (did you mean --productkey?)');
    expect(usageMessage(['--zzz'])).toBe('unknown option --zzz');
    expect(usageMessage(['-x'])).toBe('unknown option -x');
    expect(usageMessage(['-abc'])).toBe('unknown option -abc');
    expect(usageMessage(['--url=http://a', '--nope=1'])).toBe('unknown option --nope');
  });

  it('refuses a missing value, a value on a switch, a repeated option and bare arguments', () => {
    expect(usageMessage(['--url'])).toBe('option --url needs a value (URL)');
    expect(usageMessage(['--url', '--quiet'])).toBe('option --url needs a value (URL)');
    expect(usageMessage(['--quiet=yes'])).toBe('option --quiet takes no value (got "yes")');
    expect(usageMessage(['--url', 'a', '--url', 'b'])).toBe('option --url was given more than once');
    expect(usageMessage(['stray'])).toBe('unexpected argument "stray"');
  });

  it('passes everything after -- as positionals when allowed', () => {
    expect(parseArgs(['--quiet', '--', '--url', 'x'], SPECS, { positionals: true }).positionals).toEqual(['--url', 'x']);
    expect(usageMessage(['--', 'x'])).toBe('unexpected argument "x"');
  });
});

describe('option helpers', () => {
  it('withEnv prefers the option, then a non-empty variable', () => {
    expect(withEnv('a', SPECS.url, { REXSYS_URL: 'b' })).toBe('a');
    expect(withEnv(undefined, SPECS.url, { REXSYS_URL: 'b' })).toBe('b');
    expect(withEnv(undefined, SPECS.url, { REXSYS_URL: '' })).toBeUndefined();
    expect(withEnv(undefined, SPECS.productkey, { REXSYS_URL: 'b' })).toBeUndefined();
  });

  it('integerOption and choiceOption check their values', () => {
    expect(integerOption('count', '3', 1)).toBe(3);
    expect(() => integerOption('count', '0', 1)).toThrow('option --count must be a whole number 1 or more (got "0")');
    expect(() => integerOption('port', '70000', 0, 65535)).toThrow('from 0 to 65535');
    expect(() => integerOption('count', '2.5', 1)).toThrow(UsageError);
    expect(() => integerOption('count', 'x', 1)).toThrow(UsageError);
    expect(choiceOption('via', 'rest', ['auto', 'socket', 'rest'])).toBe('rest');
    expect(() => choiceOption('via', 'pigeon', ['auto', 'socket', 'rest'])).toThrow('option --via must be one of auto, socket, rest (got "pigeon")');
  });

  it('closest only suggests near misses', () => {
    expect(closest('prodctkey', ['url', 'productkey'])).toBe('productkey');
    expect(closest('xyz', ['url', 'productkey'])).toBeUndefined();
  });
});

describe('errors and output', () => {
  it('maps errors to exit codes and one line', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new RexsysArgumentError('x'))).toBe(2);
    expect(exitCodeOf(new RexsysTransportError('E_NETWORK', 'x'))).toBe(1);
    expect(exitCodeOf(new Error('x'))).toBe(1);
    expect(describeError(new UsageError('bad\nthing', 'send'))).toBe('bad thing (see: rexsys-rx send --help)');
    expect(describeError(new TypeError('boom'))).toBe('unexpected error: boom');
    expect(describeError('weird')).toBe('unexpected error: weird');
  });

  it('the terminal never prints a secret it was told about', () => {
    let out = '';
    const term = new Terminal({ stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) }, env: {} });
    term.addSecret('s3cr3t-token-value');
    term.out('{"token":"s3cr3t-token-value"}');
    term.err('failed with s3cr3t-token-value twice s3cr3t-token-value');
    expect(out).toBe('{"token":"[redacted]"}\nfailed with [redacted] twice [redacted]\n');
  });
});
