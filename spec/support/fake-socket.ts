/**
 * A socket.io-client stand-in for the core's tests in virtual time: the test plays the
 * server (`serverConnect`, `serverEmit`, `serverDisconnect`) and reads what the client
 * emitted (`emitted`). Only what the core uses: on/off/emit/connect/disconnect, `id`,
 * `connected`, `active`, `listeners`.
 */
import type { Socket } from 'socket.io-client';
import { HELLO_EVENT } from '../../lib/protocol/hello-parser';

type Listener = (...args: unknown[]) => void;

export class FakeSocket {
  id: string | undefined;
  connected = false;
  active = false;
  connectCalls = 0;
  readonly emitted: Array<{ event: string; args: unknown[] }> = [];
  private readonly handlers = new Map<string, Listener[]>();

  constructor(
    readonly namespace: string,
    readonly sid: string,
  ) {}

  on(event: string, listener: Listener): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), listener]);
    return this;
  }

  off(event: string, listener: Listener): this {
    this.handlers.set(
      event,
      (this.handlers.get(event) ?? []).filter((l) => l !== listener),
    );
    return this;
  }

  listeners(event: string): Listener[] {
    return this.handlers.get(event) ?? [];
  }

  /** Every listener still attached, over all events. */
  get listenerTotal(): number {
    let n = 0;
    for (const l of this.handlers.values()) n += l.length;
    return n;
  }

  emit(event: string, ...args: unknown[]): this {
    JSON.stringify(args.filter((a) => typeof a !== 'function')); // socket.io encodes synchronously
    this.emitted.push({ event, args });
    return this;
  }

  connect(): this {
    this.connectCalls++;
    this.active = true;
    return this;
  }

  disconnect(): this {
    const was = this.connected;
    this.connected = false;
    this.active = false;
    this.id = undefined;
    if (was) this.fire('disconnect', 'io client disconnect');
    return this;
  }

  // ---- the server's side ----
  private fire(event: string, ...args: unknown[]): void {
    for (const l of [...this.listeners(event)]) l(...args);
  }

  /** The namespace CONNECT. */
  serverConnect(): void {
    this.connected = true;
    this.id = this.sid;
    this.fire('connect');
  }

  /** The hello (the `connect` event the hello parser renames). */
  serverHello(payload: unknown = { sid: this.sid }): void {
    this.fire(HELLO_EVENT, payload);
  }

  serverEmit(event: string, ...args: unknown[]): void {
    this.fire(event, ...args);
  }

  serverDisconnect(reason = 'io server disconnect'): void {
    this.connected = false;
    this.active = false;
    this.fire('disconnect', reason);
  }

  connectError(message = 'xhr poll error'): void {
    this.fire('connect_error', new Error(message));
  }

  /** The `login` payloads the client emitted. */
  logins(): unknown[] {
    return this.emitted.filter((e) => e.event === 'login').map((e) => e.args[0]);
  }

  asSocket(): Socket {
    return this as unknown as Socket;
  }
}
