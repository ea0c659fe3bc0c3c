/**
 * `rexsys-rx request`: asks another client (which answers with `client.reply`) and
 * prints its reply as JSON. The socket is always opened: the reply comes back over it.
 */
import { filter, firstValueFrom, merge, mergeMap, throwError } from 'rxjs';
import { createRexsysClient } from '../../client/create-client.js';
import { RexsysError } from '../../errors.js';
import { choiceOption, integerOption } from '../args.js';
import { defineCommand } from '../command.js';
import { CliFailure, EXIT_OK, oneLine } from '../errors.js';
import { isStuck, jsonLine } from '../format.js';
import { HELP_FLAG, SERVER_FLAGS, serverTarget } from '../server-flags.js';
import { stuckFailure } from './listen.js';
import { messageFlags } from './send.js';

/** Ms the command stays after the reply, so its confirmation leaves (the engine confirms a lone message on the next turn). */
const CONFIRM_GRACE_MS = 50;

/** `rexsys-rx request`: one request; prints the reply's data as one JSON line. */
export const requestCommand = defineCommand({
  name: 'request',
  summary: 'Ask another client (request/reply); print its reply as JSON',
  usage: 'rexsys-rx request --url URL --project CODE --productkey KEY --to ID --command NAME [--data JSON] [--timeout MS] [--ttl MS]',
  description: [
    'Sends {command, data} to the client --to as a request (confirmed delivery) and prints',
    'the reply of its `client.reply(command, …)` handler as one JSON line (`null` for',
    'a reply without a value). Fails with exit 1 and one line when the handler failed',
    '(E_REMOTE), when no reply came within --timeout ms (E_TIMEOUT), or when the receiver',
    'never confirmed the request within --ttl ms (E_UNCONFIRMED: absent, offline, or it',
    'answers no requests for that command).',
  ],
  examples: [
    `rexsys-rx request --url http://127.0.0.1:4100 --project demo --productkey KIOSK-KEY --to display-01 --command showing`,
    `rexsys-rx request --productkey KIOSK-KEY --to printer-01 --command paper --data '{"tray":1}' --timeout 3000 --ttl 1000`,
  ],
  flags: {
    ...SERVER_FLAGS,
    to: { type: 'string', value: 'ID', description: 'The answering client id (uid), e.g. display-01' },
    command: { type: 'string', value: 'NAME', description: 'The command name' },
    data: { type: 'string', value: 'JSON', description: 'The request data, any JSON value', default: '{}' },
    channel: { type: 'string', value: 'client|user', description: 'Namespace family', default: 'client' },
    timeout: { type: 'string', value: 'MS', description: 'Milliseconds to wait for the reply', default: '10000' },
    ttl: { type: 'string', value: 'MS', description: 'Milliseconds the receiver may take to confirm the request', default: 'the timeout' },
    retries: { type: 'string', value: 'N', description: 'Connection retries before failing', default: '3' },
    ...HELP_FLAG,
  },
  async run(flags, term) {
    const target = serverTarget(flags, term.env, 'request');
    const { receiver, command, data } = messageFlags(flags, 'request');
    const channel = flags.channel === undefined ? 'client' : choiceOption('channel', flags.channel, ['client', 'user'] as const, 'request');
    const timeout = flags.timeout === undefined ? 10_000 : integerOption('timeout', flags.timeout, 1, 3_600_000, 'request');
    const ttl = flags.ttl === undefined ? undefined : integerOption('ttl', flags.ttl, 1, 3_600_000, 'request');
    const retries = flags.retries === undefined ? 3 : integerOption('retries', flags.retries, 0, 100, 'request');

    const client = createRexsysClient({ ...target, channel, backoff: { maxRetries: retries } });
    // A refused key or an unreachable server shows in the state: fail at once with its reason.
    const stuck$ = client.state$.pipe(
      filter(isStuck),
      mergeMap((state) => throwError(() => stuckFailure(state))),
    );
    try {
      const reply = await firstValueFrom(merge(client.request({ receiver, command, data }, { timeout, ttl }), stuck$));
      term.out(jsonLine(reply === undefined ? null : reply));
      return EXIT_OK;
    } catch (e) {
      if (e instanceof CliFailure) throw e;
      const why = e instanceof RexsysError || e instanceof Error ? oneLine(e.message) : String(e);
      const code = e instanceof RexsysError ? ` (${e.code})` : '';
      throw new CliFailure(`request "${command}" to "${receiver}" failed${code}: ${why}`);
    } finally {
      // A reply came (a value, E_REMOTE or E_DECODE): let its confirmation leave before closing,
      // else the responder retransmits it to this uid until its deadline.
      if (client.state.status === 'ready') await new Promise((resolve) => setTimeout(resolve, CONFIRM_GRACE_MS));
      client.close();
    }
  },
});
