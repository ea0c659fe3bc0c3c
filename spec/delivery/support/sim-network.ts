/**
 * A simulated Rexsys network in virtual time for the delivery engine: clients are
 * DeliveryEngines whose host `transmit` goes through a lossy, duplicating, reordering
 * link to the receiving engine, driven by rxjs' VirtualTimeScheduler. No real sleeps.
 */
import { Observable, VirtualTimeScheduler } from 'rxjs';
import { DeliveryEngine, type DeliveryHost } from '../../../lib/delivery/delivery-engine';
import { resolveDeliveryOptions, type ConfirmedDeliveryOptions } from '../../../lib/delivery/delivery-options';
import type { RexsysError } from '../../../lib/errors';
import type { RexsysMessage } from '../../../lib/protocol/codecs';
import type { SendReceipt, Via } from '../../../lib/client/types';
import { prng, type Rng } from '../../support/fault-kit';

export interface LinkFaults {
  /** Probability a transmission is lost. */
  readonly loss?: number;
  /** Probability a delivered transmission arrives twice. */
  readonly duplicate?: number;
  /** One-way latency range, ms. */
  readonly latency?: readonly [number, number];
}

export interface WireEvent {
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly command: string;
  readonly arrived: boolean;
}

export interface SimClient {
  readonly uid: string;
  engine: DeliveryEngine;
  /** Messages handed to the application, in order. */
  readonly received: RexsysMessage[];
  /** Plain messages (not ours) that went past the engine. */
  readonly plain: RexsysMessage[];
  readonly errors: RexsysError[];
  /** Whether the application listens (handOver answers false otherwise). */
  listening: boolean;
  /** Whether the client is reachable (messages to it are lost while false). */
  online: boolean;
  /** Drops the engine and makes a new one (a restart: state lost, new epoch). */
  restart(): void;
}

export class SimNetwork {
  readonly scheduler = new VirtualTimeScheduler();
  readonly wire: WireEvent[] = [];
  readonly clients = new Map<string, SimClient>();
  private readonly rng: Rng;
  private ids = 0;

  constructor(
    seed: number,
    readonly faults: LinkFaults = {},
    readonly options: ConfirmedDeliveryOptions = {},
    /** Clock offset per client (skew), ms. */
    readonly skew: Record<string, number> = {},
  ) {
    this.rng = prng(seed);
  }

  now(): number {
    return this.scheduler.now();
  }

  add(uid: string): SimClient {
    const client: SimClient = {
      uid,
      engine: undefined as unknown as DeliveryEngine,
      received: [],
      plain: [],
      errors: [],
      listening: true,
      online: true,
      restart: () => {
        client.engine.dispose();
        client.engine = this.engineFor(client);
      },
    };
    client.engine = this.engineFor(client);
    this.clients.set(uid, client);
    return client;
  }

  private engineFor(client: SimClient): DeliveryEngine {
    const host: DeliveryHost = {
      transmit: (receiver, command, data, via) => this.transmit(client.uid, receiver, command, data, via),
      handOver: (m) => {
        if (!client.listening) return false;
        client.received.push(m);
        return true;
      },
      hold: () => () => undefined,
      uid: () => `${client.uid}-${++this.ids}`,
      now: () => this.scheduler.now() + (this.skew[client.uid] ?? 0),
      scheduler: this.scheduler,
      report: (e) => client.errors.push(e),
    };
    return new DeliveryEngine(host, resolveDeliveryOptions(this.options));
  }

  /** Runs every scheduled action up to `until` (virtual ms), or all of them. */
  run(until = Infinity): void {
    if (until === Infinity) {
      this.scheduler.flush();
      return;
    }
    this.scheduler.maxFrames = until;
    try {
      this.scheduler.flush();
    } finally {
      this.scheduler.maxFrames = Infinity;
    }
    this.scheduler.frame = Math.max(this.scheduler.frame, until);
  }

  /** Schedules `fn` at virtual time `at`. */
  at(at: number, fn: () => void): void {
    this.scheduler.schedule(fn, Math.max(0, at - this.now()));
  }

  private transmit(from: string, to: string, command: string, data: unknown, via: Via): Observable<SendReceipt> {
    return new Observable<SendReceipt>((subscriber) => {
      const { loss = 0, duplicate = 0, latency = [1, 5] } = this.faults;
      const sender = this.clients.get(from)!;
      const lost = !sender.online || this.rng.chance(loss);
      const copies = lost ? 0 : this.rng.chance(duplicate) ? 2 : 1;
      // JSON on the wire, as socket.io and REST do.
      const wire = JSON.stringify(data);
      for (let i = 0; i < copies; i++) {
        const delay = this.rng.int(latency[0], latency[1]);
        this.scheduler.schedule(() => {
          const target = this.clients.get(to);
          const arrived = !!target && target.online;
          this.wire.push({ at: this.now(), from, to, command, arrived });
          if (!arrived) return;
          const message: RexsysMessage = { command, data: JSON.parse(wire) as unknown, sender: from, receiver: to, channel: 'client' };
          if (!target.engine.receive(message)) target.plain.push(message);
        }, delay);
      }
      if (copies === 0) this.wire.push({ at: this.now(), from, to, command, arrived: false });
      const answer = this.rng.int(latency[0], latency[1]);
      const action = this.scheduler.schedule(() => {
        if (lost) subscriber.error(new Error('lost'));
        else {
          subscriber.next({ via: via === 'rest' ? 'rest' : 'socket', receiver: to, command, at: this.now() });
          subscriber.complete();
        }
      }, answer);
      return () => action.unsubscribe();
    });
  }
}
