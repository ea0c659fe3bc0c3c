/**
 * `client.outbox`: the confirmed sends a client has not settled yet (restored from its
 * store included), their outcomes, and a way to cancel one.
 */
import type { Observable } from 'rxjs';
import type { RexsysError } from '../errors.js';
import type { SendReceipt } from '../client/types.js';

/** A confirmed send waiting for its receiver's confirmation. */
export interface PendingSend {
  readonly id: string;
  readonly receiver: string;
  readonly command: string;
  readonly data: unknown;
  /** Deadline, ms since the Unix epoch: after it the send fails with `E_UNCONFIRMED`. */
  readonly expires: number;
  /** Restored from the store (sent by an earlier run of the application). */
  readonly restored: boolean;
}

/** How a confirmed send ended. */
export type DeliveryOutcome =
  | {
      readonly status: 'delivered';
      readonly id: string;
      readonly receiver: string;
      readonly command: string;
      readonly restored: boolean;
      readonly receipt: SendReceipt;
    }
  | {
      /** `unconfirmed`: its ttl passed (`E_UNCONFIRMED`); `cancelled`: its subscriber unsubscribed or `outbox.cancel(id)`. */
      readonly status: 'unconfirmed' | 'cancelled';
      readonly id: string;
      readonly receiver: string;
      readonly command: string;
      readonly restored: boolean;
      readonly error?: RexsysError;
    };

/** The client's confirmed sends in flight (see docs/guide.md, "What survives what"). */
export interface RexsysOutbox {
  /** Resolves once the store is open and its sends restored (at once without a store). */
  readonly loaded: Promise<void>;
  /** The confirmed sends not yet settled, oldest first per receiver. */
  list(): readonly PendingSend[];
  /** Every settled confirmed send, restored ones included; hot (does not replay). */
  readonly outcomes$: Observable<DeliveryOutcome>;
  /** Gives a pending send up (its subscriber, if any, gets `E_UNCONFIRMED`); false when `id` is not pending. */
  cancel(id: string): boolean;
  /** Resolves once every send accepted so far is durable in the store (IndexedDB: committed; file: fsynced). */
  flush(): Promise<void>;
}
