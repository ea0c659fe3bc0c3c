/**
 * `rexsys-rx send`: sends one message and prints its receipt as JSON. `--via socket`
 * logs in first and waits for `ready` (the library's outbox never emits before login);
 * `--via rest` posts; `--via auto` uses the socket when this client is already logged
 * in and REST otherwise, which for a one-shot command means REST.
 */
import { NEVER, filter, firstValueFrom, merge, mergeMap, throwError } from 'rxjs';
import { createRexsysClient } from '../../client/create-client.js';
import type { Via } from '../../client/types.js';
import { RexsysError } from '../../errors.js';
import { choiceOption, integerOption } from '../args.js';
import { defineCommand } from '../command.js';
import { CliFailure, EXIT_OK, UsageError, oneLine } from '../errors.js';
import { isStuck, jsonLine } from '../format.js';
import { HELP_FLAG, SERVER_FLAGS, serverTarget } from '../server-flags.js';
import { stuckFailure } from './listen.js';

/** Parses `--data`: any JSON value. A {@link UsageError} (of `commandName`) for text that is not JSON. */
export function parseDataOption(text: string | undefined, commandName = 'send'): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const why = e instanceof Error ? oneLine(e.message) : 'not JSON';
    throw new UsageError(`--data is not valid JSON (${why}); quote it for the shell, e.g. --data '{"url":"/a"}'`, commandName);
  }
}

/** The message of `send` and `request`: `--to` and `--command` (required, not blank) and `--data` (JSON, default `{}`). */
export function messageFlags(
  flags: { readonly to?: string; readonly command?: string; readonly data?: string },
  commandName: 'send' | 'request',
): { readonly receiver: string; readonly command: string; readonly data: unknown } {
  const missing = (['to', 'command'] as const).filter((n) => flags[n] === undefined || flags[n]?.trim() === '');
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((n) => `--${n}`).join(', ')}`, commandName);
  return { receiver: flags.to as string, command: flags.command as string, data: parseDataOption(flags.data, commandName) };
}

/** `rexsys-rx send`: one message via `auto`, `socket` or `rest`; prints the receipt as one JSON line. */
export const sendCommand = defineCommand({
  name: 'send',
  summary: 'Send one message to another client; print the receipt as JSON',
  usage:
    'rexsys-rx send --url URL --project CODE --productkey KEY --to ID --command NAME [--data JSON] [--via auto|socket|rest] [--delivery server|confirmed] [--ttl MS]',
  description: [
    'Sends {command, data} to the client --to, as the client of --productkey, and prints',
    'the receipt as one JSON line. A receipt means the server took the message (socket:',
    'it acked the request; REST: it answered success), not that the receiver got it: the',
    'server drops messages to clients that are offline and stores nothing.',
    '  --via socket  certify, connect, log in, wait for ready, then emit `request`',
    '  --via rest    POST /api/ide/io/send (no socket is opened)',
    '  --via auto    the socket when already logged in, else REST: here that means REST',
    'With --delivery confirmed the receipt waits until the RECEIVING client (a rexsys-rx',
    'client) has handed the message to its application ({ …, id, delivered: true }); the',
    'message is sent again until then, and the command fails after --ttl ms (E_UNCONFIRMED).',
  ],
  examples: [
    `rexsys-rx send --url http://127.0.0.1:4100 --project demo --productkey KIOSK-KEY --to display-01 --command show --data '{"url":"/a"}'`,
    `rexsys-rx send --productkey KIOSK-KEY --to display-01 --command ping --via socket`,
    `rexsys-rx send --productkey KIOSK-KEY --to display-01 --command door --data '{"open":true}' --delivery confirmed --ttl 10000`,
  ],
  flags: {
    ...SERVER_FLAGS,
    to: { type: 'string', value: 'ID', description: 'The receiving client id (uid), e.g. display-01' },
    command: { type: 'string', value: 'NAME', description: 'The command name' },
    data: { type: 'string', value: 'JSON', description: 'The data, any JSON value', default: '{}' },
    via: { type: 'string', value: 'auto|socket|rest', description: 'Transport', default: 'auto' },
    channel: { type: 'string', value: 'client|user', description: 'Namespace family', default: 'client' },
    timeout: { type: 'string', value: 'MS', description: 'Milliseconds the send may take in all', default: '15000' },
    retries: { type: 'string', value: 'N', description: 'Connection (socket) or request (REST) retries before failing', default: '3' },
    delivery: {
      type: 'string',
      value: 'server|confirmed',
      description: 'What the receipt means: the server took it, or the receiver confirmed it',
      default: 'server',
    },
    ttl: { type: 'string', value: 'MS', description: 'With --delivery confirmed: milliseconds to wait for the confirmation', default: '60000' },
    ...HELP_FLAG,
  },
  async run(flags, term) {
    const target = serverTarget(flags, term.env, 'send');
    const { receiver, command, data } = messageFlags(flags, 'send');
    const via: Via = flags.via === undefined ? 'auto' : choiceOption('via', flags.via, ['auto', 'socket', 'rest'] as const, 'send');
    const channel = flags.channel === undefined ? 'client' : choiceOption('channel', flags.channel, ['client', 'user'] as const, 'send');
    const timeout = flags.timeout === undefined ? 15_000 : integerOption('timeout', flags.timeout, 1, 3_600_000, 'send');
    const retries = flags.retries === undefined ? 3 : integerOption('retries', flags.retries, 0, 100, 'send');
    const delivery = flags.delivery === undefined ? 'server' : choiceOption('delivery', flags.delivery, ['server', 'confirmed'] as const, 'send');
    const ttl = flags.ttl === undefined ? undefined : integerOption('ttl', flags.ttl, 1, 86_400_000, 'send');

    term.addSecret(target.productkey);
    // No codecs: a null-prototype map, so any command name (`constructor`, `__proto__`…) is just a name.
    const client = createRexsysClient({
      ...target,
      channel,
      sendTimeout: timeout,
      restRetries: retries,
      backoff: { maxRetries: retries },
      commands: Object.create(null) as Record<never, never>,
    });
    // Over the socket, a refused key or an unreachable server shows in the state: fail at
    // once with its reason rather than wait for the send's timeout.
    const stuck$ =
      via === 'socket'
        ? client.state$.pipe(
            filter(isStuck),
            mergeMap((state) => throwError(() => stuckFailure(state))),
          )
        : NEVER;
    try {
      const receipt = await firstValueFrom(merge(client.send({ receiver, command, data }, { via, timeout, delivery, ttl }), stuck$));
      term.out(jsonLine(receipt));
      return EXIT_OK;
    } catch (e) {
      if (e instanceof CliFailure) throw e;
      const why = e instanceof RexsysError || e instanceof Error ? oneLine(e.message) : String(e);
      const last =
        client.state.lastError && !why.includes(client.state.lastError.message) ? `; last connection error: ${oneLine(client.state.lastError.message)}` : '';
      throw new CliFailure(`send of "${command}" to "${receiver}" failed: ${why}${last}`);
    } finally {
      client.close();
    }
  },
});
