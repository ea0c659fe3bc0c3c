/**
 * Type tests: checked by `tsc -p tsconfig.json` (spec/ is in its include). The runtime
 * part is a no-op; a wrong type fails the type-check, not jest.
 */
import { expectTypeOf } from 'expect-type';
import * as t from 'io-ts';
import type { MonoTypeOperatorFunction, Observable, OperatorFunction } from 'rxjs';
import {
  createRexsysClient,
  ofCommand,
  retryBackoff,
  sendTo,
  type ConnectionState,
  type ConnectionLostReason,
  type ClientEvent,
  type ConnectionStatus,
  type DataOf,
  type FanOutResult,
  type RexsysClient,
  type RexsysCredentials,
  type RexsysError,
  type RexsysMessage,
  type SendReceipt,
} from '../../lib/index';

const Show = t.type({ url: t.string, seconds: t.number });
type Show = t.TypeOf<typeof Show>;
const Volume = t.type({ level: t.number });
const commands = { show: Show, volume: Volume };

// Never called: only its types matter.
function typeChecks(): void {
  const client = createRexsysClient({ url: 'http://127.0.0.1:4100', project: 'demo', productkey: 'KIOSK-KEY', commands });
  expectTypeOf(client).toEqualTypeOf<RexsysClient<{ show: typeof Show; volume: typeof Volume }>>();

  // --- command$ by name: data typed by the codec map --------------------------------
  expectTypeOf(client.command$('show')).toEqualTypeOf<Observable<RexsysMessage<Show>>>();
  expectTypeOf(client.command$('volume')).toEqualTypeOf<Observable<RexsysMessage<{ level: number }>>>();
  client.command$('show').subscribe(({ data }) => {
    expectTypeOf(data.url).toBeString();
    expectTypeOf(data.seconds).toBeNumber();
    // @ts-expect-error no such field on Show
    void data.title;
  });
  // A name outside the map: data as received (unknown, never any).
  expectTypeOf(client.command$('other')).toEqualTypeOf<Observable<RexsysMessage>>();
  expectTypeOf<RexsysMessage['data']>().toBeUnknown();
  expectTypeOf<RexsysMessage['data']>().not.toBeAny();

  // --- command$(name, codec): the codec's type wins --------------------------------
  const Tick = t.type({ at: t.number });
  expectTypeOf(client.command$('tick', Tick)).toEqualTypeOf<Observable<RexsysMessage<{ at: number }>>>();
  expectTypeOf(client.command$('show', t.string)).toEqualTypeOf<Observable<RexsysMessage<string>>>();

  // --- send: the map types `data` --------------------------------------------------
  expectTypeOf(client.send({ receiver: 'display-01', command: 'show', data: { url: '/a', seconds: 3 } })).toEqualTypeOf<Observable<SendReceipt>>();
  client.send({ receiver: 'display-01', command: 'volume', data: { level: 3 } }, { via: 'socket', timeout: 1000 });
  // Naming the command as the type argument selects the typed overload only:
  // @ts-expect-error url must be a string
  client.send<'show'>({ receiver: 'display-01', command: 'show', data: { url: 1, seconds: 3 } });
  // @ts-expect-error seconds is missing
  client.send<'show'>({ receiver: 'display-01', command: 'show', data: { url: '/a' } });
  // @ts-expect-error 'rest-only' is not a Via
  client.send({ receiver: 'display-01', command: 'show', data: { url: '/a', seconds: 3 } }, { via: 'rest-only' });
  // @ts-expect-error receiver is required
  client.send({ command: 'show', data: { url: '/a', seconds: 3 } });
  // @ts-expect-error a mapped command's data must match its codec
  client.send({ receiver: 'display-01', command: 'show', data: { url: 1 } });
  // Commands outside the map take any data (unknown).
  client.send({ receiver: 'display-01', command: 'reboot', data: null });

  // --- DataOf ----------------------------------------------------------------------
  expectTypeOf<DataOf<typeof commands, 'show'>>().toEqualTypeOf<Show>();
  expectTypeOf<DataOf<typeof commands, 'nope'>>().toBeUnknown();

  // --- state, errors, fan-out --------------------------------------------------------
  expectTypeOf(client.state$).toEqualTypeOf<Observable<ConnectionState>>();
  expectTypeOf(client.state.status).toEqualTypeOf<ConnectionStatus>();
  expectTypeOf<ConnectionStatus>().toEqualTypeOf<'idle' | 'connecting' | 'authenticating' | 'ready' | 'reconnecting' | 'unauthorized' | 'closed'>();
  // ConnectionState is a union on `status`: ready has uid and sid, reconnecting its delay and reason.
  const s = client.state;
  if (s.status === 'ready') {
    expectTypeOf(s.uid).toBeString();
    expectTypeOf(s.sid).toBeString();
  }
  if (s.status === 'reconnecting') {
    expectTypeOf(s.delay).toBeNumber();
    expectTypeOf(s.reason).toEqualTypeOf<ConnectionLostReason>();
    expectTypeOf(s.lastError).toEqualTypeOf<RexsysError>();
  }
  // Read on any state, a field is there or undefined.
  expectTypeOf(s.uid).toEqualTypeOf<string | undefined>();
  expectTypeOf(client.events$).toEqualTypeOf<Observable<ClientEvent>>();
  expectTypeOf(client.metrics().sends.socket.ok).toBeNumber();
  expectTypeOf(client.errors$).toEqualTypeOf<Observable<RexsysError>>();
  expectTypeOf(client.messages$).toEqualTypeOf<Observable<RexsysMessage>>();
  expectTypeOf(client.fanOut({ receivers: ['a', 'b'], command: 'show', data: {} })).toEqualTypeOf<Observable<FanOutResult>>();
  expectTypeOf(client.reconnect).parameter(0).toEqualTypeOf<RexsysCredentials | undefined>();
  expectTypeOf(client.close).returns.toBeVoid();

  // A client without a map: every command untyped, nothing is `any`.
  const plain = createRexsysClient({ url: 'http://127.0.0.1:4100', project: 'demo', credentials: { uid: 'kiosk-01', token: 'x' } });
  expectTypeOf(plain.command$('show')).toEqualTypeOf<Observable<RexsysMessage>>();
  plain.send({ receiver: 'display-01', command: 'anything', data: { any: 'thing' } });

  // --- operators -------------------------------------------------------------------
  expectTypeOf(ofCommand('show')).toEqualTypeOf<OperatorFunction<RexsysMessage, RexsysMessage>>();
  expectTypeOf(ofCommand('show', Show)).toEqualTypeOf<OperatorFunction<RexsysMessage, RexsysMessage<Show>>>();
  expectTypeOf(client.messages$.pipe(ofCommand('show', Show))).toEqualTypeOf<Observable<RexsysMessage<Show>>>();

  expectTypeOf(sendTo(client, { receiver: 'display-01', command: 'show' })).toEqualTypeOf<OperatorFunction<unknown, SendReceipt>>();
  expectTypeOf(sendTo<Show>(client, { receiver: 'display-01', command: 'show', via: 'rest' })).toEqualTypeOf<OperatorFunction<Show, SendReceipt>>();

  expectTypeOf(retryBackoff<number>()).toEqualTypeOf<MonoTypeOperatorFunction<number>>();
  expectTypeOf(
    retryBackoff<SendReceipt>({ initialDelay: 100, maxDelay: 1000, factor: 2, jitter: 0.5, maxRetries: 5, resetOnSuccess: true, shouldRetry: () => true }),
  ).toEqualTypeOf<MonoTypeOperatorFunction<SendReceipt>>();
  // @ts-expect-error jitter is a number
  retryBackoff({ jitter: 'lots' });

  // --- receipts ----------------------------------------------------------------------
  expectTypeOf<SendReceipt['via']>().toEqualTypeOf<'socket' | 'rest'>();
  expectTypeOf<SendReceipt['result']>().toEqualTypeOf<unknown>();
  expectTypeOf<SendReceipt['result']>().not.toBeAny();
}

describe('public types (checked by tsc)', () => {
  it('type-checks', () => {
    expect(typeof typeChecks).toBe('function');
  });
});
