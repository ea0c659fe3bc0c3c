import type { Observable, Subscription } from 'rxjs';
import { writable } from '../transport/socket.js';
import type { Outbox } from './outbox.js';
import type { Session } from './session.js';

/**
 * A counted hold on a connection: the first `acquire()` subscribes to its shared
 * `session$` (which opens or keeps it open), the last `release()` unsubscribes; in
 * between, however many holders there are (`state$`, each stream, each pending socket
 * send), there is one subscription. Each session value drives the outbox: a logged-in
 * session drains it, the end of one loses what was in flight; a holder that comes while
 * a session is up drains it at once (a send made while ready goes out in its subscribe).
 *
 * Holding is a counter, not a subscription per holder, because a socket send holds the
 * connection too: subscribing and unsubscribing `session$` per send was a third of the
 * library's own cost of a send (#18).
 */
export class SessionHold {
  /** Holders now (for leak checks). */
  count = 0;
  private subscription: Subscription | undefined;
  private session: Pick<Session, 'socket' | 'uid'> | undefined;

  constructor(
    private readonly session$: Observable<Pick<Session, 'socket' | 'uid'> | undefined>,
    private readonly outbox: Outbox,
  ) {}

  /**
   * True when a socket send queued now is encoded and written in this call: held, logged
   * in, nothing queued before it, and the socket {@link writable} (what the drain asks).
   */
  get emitsNow(): boolean {
    const socket = this.session?.socket;
    return socket !== undefined && this.outbox.queuedCount === 0 && writable(socket);
  }

  acquire(): void {
    if (this.count++ > 0) {
      if (this.session) this.outbox.drain(this.session);
      return;
    }
    const subscription = this.session$.subscribe({
      next: (session) => {
        this.session = session;
        if (session) this.outbox.drain(session);
        else this.outbox.connectionLost();
      },
      complete: () => (this.session = undefined),
    });
    // Code run by the drain may have released it, or released and acquired it again, meanwhile.
    if (this.count === 0 || this.subscription) subscription.unsubscribe();
    else this.subscription = subscription;
  }

  /** Call once per `acquire()`. */
  release(): void {
    if (--this.count > 0) return;
    const subscription = this.subscription;
    this.subscription = undefined;
    this.session = undefined;
    subscription?.unsubscribe();
  }
}
