import { EMPTY, catchError, concatMap, type OperatorFunction } from 'rxjs';
import type { CommandCodecs, RexsysClient, SendReceipt, Via } from '../client/types.js';
import type { DeliveryMode } from '../delivery/delivery-options.js';
import { asRexsysError, type RexsysError } from '../errors.js';

/** Options of {@link sendTo}. */
export interface SendToOptions {
  /** The receiving client id. */
  readonly receiver: string;
  /** The command every value is sent as. */
  readonly command: string;
  /** Transport. @default the client's `transport` option ('auto') */
  readonly via?: Via;
  /** Milliseconds each send may take. @default the client's `sendTimeout` */
  readonly timeout?: number;
  /** `'confirmed'`: each value's receipt waits for the receiving client's confirmation. @default the client's `delivery` */
  readonly delivery?: DeliveryMode;
  /** Confirmed delivery: ms each value may wait for its confirmation. @default the client's `confirmation.ttl` */
  readonly ttl?: number;
  /**
   * Error policy. Without it, the first failed send errors the output (as `concatMap`
   * does) and later values are not sent. With it, a failed send is handed to this
   * function with its value, and the stream goes on with the next value.
   * @default none (stop at the first failure)
   */
  readonly onError?: (error: RexsysError, data: unknown) => void;
}

/**
 * Turns each source value into one send (`data` = the value), one at a time and in
 * order, emitting each receipt.
 *
 * @example
 * ```ts
 * slides$.pipe(sendTo(client, { receiver: 'display-01', command: 'show' })).subscribe();
 * ```
 */
export function sendTo<T, C extends CommandCodecs = CommandCodecs>(client: RexsysClient<C>, options: SendToOptions): OperatorFunction<T, SendReceipt> {
  const { receiver, command, via, timeout, delivery, ttl, onError } = options;
  return concatMap((data: T) => {
    const send$ = client.send({ receiver, command, data }, { via, timeout, delivery, ttl });
    if (!onError) return send$;
    return send$.pipe(
      catchError((e: unknown) => {
        onError(asRexsysError(e), data);
        return EMPTY;
      }),
    );
  });
}
