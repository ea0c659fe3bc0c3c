import {
  EMPTY,
  Observable,
  asyncScheduler,
  defer,
  filter,
  ignoreElements,
  map,
  merge,
  of,
  race,
  repeat,
  switchMap,
  tap,
  take,
  timer,
  type SchedulerLike,
} from 'rxjs';
import { RexsysArgumentError, RexsysTransportError } from '../errors.js';

/** Options of {@link heartbeat}. */
export interface HeartbeatOptions {
  /** Milliseconds of silence (no proof the path works) before a probe goes out. @default 15000 */
  readonly interval?: number;
  /** Milliseconds a probe may take before the link is declared dead. @default 5000 */
  readonly timeout?: number;
}

/** What {@link heartbeat} watches and how it probes. */
export interface HeartbeatSource {
  /**
   * Sends one probe; emits (anything) once its round trip completed. In the client: a
   * `request` the server acks (see docs/guide.md, "Liveness").
   */
  readonly probe: () => Observable<unknown>;
  /** Anything that proves the link is alive (an incoming message, a ping): restarts the silence count, and spares a probe that is out its verdict. */
  readonly activity$?: Observable<unknown>;
  /**
   * Proofs that count only while a probe is out (they spare it the verdict), subscribed only then: what is too costly
   * to watch all the time (the client: the acks of every send). @default EMPTY
   */
  readonly answers$?: Observable<unknown>;
  /** Reasons to probe at once (the browser went `offline` or came back, the page became visible). */
  readonly wake$?: Observable<unknown>;
  /** Timers. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/** The default heartbeat: a probe after 15 s of silence, dead after 5 s without its answer. */
export const DEFAULT_HEARTBEAT: Required<HeartbeatOptions> = { interval: 15_000, timeout: 5_000 };

/** Checks heartbeat options: positive finite numbers, or a RexsysArgumentError. */
export function resolveHeartbeat(options: HeartbeatOptions | false | undefined): Required<HeartbeatOptions> | false {
  if (options === false) return false;
  const { interval = DEFAULT_HEARTBEAT.interval, timeout = DEFAULT_HEARTBEAT.timeout } = options ?? {};
  for (const [name, value] of [
    ['interval', interval],
    ['timeout', timeout],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RexsysArgumentError(`heartbeat.${name} must be a positive number of milliseconds, got ${String(value)}.`);
    }
  }
  return { interval, timeout };
}

/**
 * Proves a link end to end while subscribed. After `interval` ms without proof (no
 * `activity$`), or at once on `wake$`, it sends a probe; an answer within `timeout` ms
 * emits the round-trip time in ms and starts the count again. A probe that is not
 * answered in time errors with a {@link RexsysTransportError} `E_NETWORK` whose `reason`
 * is `'heartbeat'`: the caller closes the link and reconnects.
 *
 * Activity while a probe is out proves the link as well: a probe without an answer by
 * `timeout` is then not a verdict (its answer may be stuck behind a busy link), only the
 * end of that probe. At most one probe is out at a time (a wake-up during a probe is
 * absorbed by it), so a slow answer never stacks probes. Timers run on `scheduler`, so
 * the logic is tested in virtual time.
 *
 * @example
 * ```ts
 * session$.pipe(
 *   switchMap((s) => heartbeat({ interval: 5000, timeout: 3000 }, {
 *     probe: () => ackOf(s.socket, 'request', ping),
 *     activity$: incomingOf(s.socket),
 *   })),
 * ).subscribe({ next: (rtt) => console.log('rtt', rtt), error: (e) => console.log(e.reason) }); // 'heartbeat'
 * ```
 */
export function heartbeat(options: HeartbeatOptions, source: HeartbeatSource): Observable<number> {
  const { interval, timeout } = resolveHeartbeat(options) as Required<HeartbeatOptions>;
  const { probe, activity$ = EMPTY, answers$ = EMPTY, wake$ = EMPTY, scheduler = asyncScheduler } = source;

  return defer(() => {
    // Activity only stamps the time and counts (it is on the receive path: no timer or
    // subscription per message); the silence timer reads the stamp when it fires and waits
    // out the rest, and a probe's deadline reads the count.
    let lastProof = scheduler.now();
    let proofs = 0;
    const stamp = () => {
      lastProof = scheduler.now();
    };
    const track$ = activity$.pipe(
      tap(() => {
        proofs++;
        stamp();
      }),
      ignoreElements(),
    );

    const silence$: Observable<unknown> = defer(() => {
      const quiet = scheduler.now() - lastProof;
      return quiet >= interval ? of(quiet) : timer(interval - quiet, scheduler).pipe(switchMap(() => silence$));
    });

    const dead = () =>
      new RexsysTransportError('E_NETWORK', `The link did not answer a heartbeat within ${timeout} ms: it is dead (a black hole or a half-open socket).`, {
        reason: 'heartbeat',
      });

    // A probe's answer emits its round trip. Activity meanwhile does not end the probe: the
    // packet that carries the answer is itself activity, and in browsers socket.io calls the
    // ack a microtask after engine.io announced the packet, so ending on activity would lose
    // every round trip there. It only spares the verdict.
    const probeOnce = (): Observable<number> =>
      defer(() => {
        const sent = scheduler.now();
        const proofsBefore = proofs;
        const answer$ = probe().pipe(
          take(1),
          map(() => scheduler.now() - sent),
          tap(stamp),
        );
        // No answer in time. The verdict waits one more turn: a timer that fires late after a
        // busy stretch (a blocked event loop, a throttled background tab) runs before the
        // packets that arrived meanwhile are read, and those would have answered.
        const deadline$ = timer(timeout, scheduler).pipe(
          switchMap(() => timer(0, scheduler)),
          map(() => {
            if (proofs === proofsBefore) throw dead();
            return -1; // the link delivered something meanwhile: alive, with no round trip to report
          }),
        );
        // What is watched only while a probe is out (the client: the acks of other sends) counts as activity.
        const answers = answers$.pipe(
          tap(() => {
            proofs++;
            stamp();
          }),
          ignoreElements(),
        );
        // (take(1): `answers` does not complete, and the probe ends with its answer or its deadline.)
        return race(merge(answer$, answers), deadline$).pipe(
          take(1),
          filter((rtt) => rtt >= 0),
        );
      });

    // One cycle: `interval` of silence (or a wake-up), then a probe. Repeated while subscribed.
    const cycles$ = defer(() => merge(silence$, wake$).pipe(take(1), switchMap(probeOnce))).pipe(repeat());
    return merge(track$, cycles$);
  });
}
