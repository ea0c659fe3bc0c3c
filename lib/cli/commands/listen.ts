/**
 * `rexsys-rx listen`: logs in as the productkey's client and prints every message sent
 * to it (`touid`) as one JSON line on stdout; connection states go to stderr. Runs
 * until Ctrl-C, `--count` messages, or credentials the server refuses.
 */
import { endWith, filter, firstValueFrom, from, ignoreElements, merge, mergeMap, take, tap, throwError, type Observable } from 'rxjs';
import { createRexsysClient } from '../../client/create-client.js';
import type { ConnectionState } from '../../client/types.js';
import { ofCommand } from '../../operators/of-command.js';
import type { LogEntry } from '../../logging/logger.js';
import type { RexsysMessage } from '../../protocol/codecs.js';
import { choiceOption, integerOption } from '../args.js';
import { defineCommand } from '../command.js';
import { CliFailure, EXIT_OK, UsageError, oneLine } from '../errors.js';
import { describeState, isStuck, jsonLine } from '../format.js';
import type { Terminal } from '../io.js';
import { HELP_FLAG, SERVER_FLAGS, serverTarget } from '../server-flags.js';

/** The error a stuck state ends the command with. */
export function stuckFailure(state: ConnectionState): CliFailure {
  const why = state.lastError ? oneLine(state.lastError.message) : 'no reason given';
  return new CliFailure(state.status === 'unauthorized' ? `credentials refused: ${why}` : `gave up connecting: ${why}`);
}

/**
 * Prints one message as a JSON line, or, when it cannot be printed (nested too deep for
 * JSON.stringify, say), a one-line "skipped" note on stderr: any sender can send
 * anything, and a listener goes on. True when printed (only printed messages count
 * towards `--count`).
 */
export function printMessage(term: Terminal, message: RexsysMessage): boolean {
  let line: string;
  try {
    line = jsonLine(message);
  } catch (e) {
    const from = typeof message.sender === 'string' ? ` from ${JSON.stringify(message.sender)}` : '';
    const why = e instanceof RangeError ? 'its data is nested too deep' : `it cannot be shown as JSON (${e instanceof Error ? oneLine(e.message) : String(e)})`;
    term.err(`rexsys-rx: skipped a message of ${JSON.stringify(message.command)}${from}: ${why}`);
    return false;
  }
  term.out(line);
  return true;
}

/** `rexsys-rx listen`: `touid` messages as JSON lines on stdout, states on stderr, until Ctrl-C, `--count` or refused credentials. */
export const listenCommand = defineCommand({
  name: 'listen',
  summary: 'Print the messages sent to this client as JSON lines (states on stderr)',
  usage: 'rexsys-rx listen --url URL --project CODE --productkey KEY [--command NAME] [--count N] [--verbose]',
  description: [
    'Certifies the productkey, opens the socket, logs in, and prints each message sent',
    'to this client as one JSON line on stdout: {"command","data","sender","receiver","channel"}.',
    'Connection states (connecting, authenticating, ready, reconnecting…) go to stderr.',
    'It reconnects and logs in again by itself after a drop. It stops on Ctrl-C (exit 0),',
    'after --count messages (exit 0), or when the server refuses the credentials (exit 1).',
  ],
  examples: [
    'rexsys-rx listen --url http://127.0.0.1:4100 --project demo --productkey DISPLAY-KEY',
    'rexsys-rx listen --productkey DISPLAY-KEY --command show --count 1 | jq .data',
  ],
  flags: {
    ...SERVER_FLAGS,
    command: { type: 'string', value: 'NAME', description: 'Only print messages of this command' },
    count: { type: 'string', value: 'N', description: 'Exit after N messages' },
    channel: { type: 'string', value: 'client|user', description: 'Namespace family to join', default: 'client' },
    retries: { type: 'string', value: 'N', description: 'Give up (exit 1) after N failed reconnects in a row', default: 'unlimited' },
    verbose: { type: 'boolean', description: 'Also print what the client does (its events: login, retries, heartbeats, sends…) on stderr' },
    ...HELP_FLAG,
  },
  async run(flags, term) {
    const target = serverTarget(flags, term.env, 'listen');
    const count = flags.count === undefined ? undefined : integerOption('count', flags.count, 1, undefined, 'listen');
    const channel = flags.channel === undefined ? 'client' : choiceOption('channel', flags.channel, ['client', 'user'] as const, 'listen');
    const maxRetries = flags.retries === undefined ? Infinity : integerOption('retries', flags.retries, 0, undefined, 'listen');
    if (flags.command !== undefined && flags.command.trim() === '') throw new UsageError('option --command needs a non-empty name', 'listen');

    term.addSecret(target.productkey);
    // No codecs: a null-prototype map, so any command name (`constructor`, `__proto__`…) is just a name.
    const client = createRexsysClient({
      ...target,
      channel,
      backoff: { maxRetries },
      commands: Object.create(null) as Record<never, never>,
      // --verbose: every event as a line on stderr (secrets scrubbed by the logger, and again by the terminal).
      ...(flags.verbose === true
        ? { logger: { level: 'debug' as const, sink: (entry: LogEntry) => term.err(`rexsys-rx ${entry.level}: ${entry.message}`) } }
        : {}),
    });
    const stop = term.watchStop();
    const errors = client.errors$.subscribe((e) => {
      // Connection failures show up in the state lines; report only what they do not.
      if (e.code === 'E_DECODE' || e.code === 'E_ENCODE_DATA') term.err(`rexsys-rx: skipped a message: ${oneLine(e.message)}`);
    });

    const states$ = client.state$.pipe(
      tap((state) => term.err(describeState(state))),
      filter(isStuck),
      mergeMap((state) => throwError(() => stuckFailure(state))),
    );
    const source$: Observable<RexsysMessage> = flags.command === undefined ? client.messages$ : client.messages$.pipe(ofCommand(flags.command));
    const counted$ = source$.pipe(
      filter((message) => printMessage(term, message)),
      take(count ?? Infinity),
      ignoreElements(),
      endWith('count'),
    );

    try {
      // Whichever comes first: --count messages, Ctrl-C, or a state the client does not leave.
      await firstValueFrom(merge(counted$, states$, from(stop.stopped)));
      return EXIT_OK;
    } finally {
      stop.dispose();
      errors.unsubscribe();
      client.close();
    }
  },
});
