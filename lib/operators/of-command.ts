import * as E from '../protocol/either.js';
import type * as t from 'io-ts';
import { Observable, type OperatorFunction } from 'rxjs';
import type { RexsysDecodeError } from '../errors.js';
import type { RexsysMessage } from '../protocol/codecs.js';
import { decodeWith } from '../protocol/report.js';

/** Options of {@link ofCommand}. */
export interface OfCommandOptions {
  /**
   * Where a message whose `data` fails the codec goes. The message is never passed on.
   * @default none: such messages are skipped (the client routes them to `errors$`)
   */
  readonly onDecodeError?: (error: RexsysDecodeError) => void;
}

export function ofCommand(command: string): OperatorFunction<RexsysMessage, RexsysMessage>;
export function ofCommand<A, O>(command: string, codec: t.Type<A, O, unknown>, options?: OfCommandOptions): OperatorFunction<RexsysMessage, RexsysMessage<A>>;
/**
 * Keeps the messages of one command and, given an io-ts codec, decodes their `data`
 * (typed). A message whose data fails the codec is not passed on; it goes to
 * `onDecodeError` with the raw message and the decoder's report.
 *
 * `client.command$(name, codec)` is this filter with O(1) dispatch and `errors$` wiring.
 *
 * @example
 * ```ts
 * const Show = t.type({ url: t.string });
 * client.messages$.pipe(ofCommand('show', Show)).subscribe(({ data }) => open(data.url));
 * ```
 */
export function ofCommand<A, O>(
  command: string,
  codec?: t.Type<A, O, unknown>,
  options: OfCommandOptions = {},
): OperatorFunction<RexsysMessage, RexsysMessage<unknown>> {
  const { onDecodeError } = options;
  return (source) =>
    new Observable<RexsysMessage<unknown>>((subscriber) =>
      source.subscribe({
        next: (message) => {
          if (message.command !== command) return;
          if (!codec) {
            subscriber.next(message);
            return;
          }
          const decoded = decodeMessageData(message, codec);
          if (E.isRight(decoded)) subscriber.next(decoded.right);
          else onDecodeError?.(decoded.left);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      }),
    );
}

/** Decodes a message's `data` with `codec`; the error keeps the whole raw message. */
export function decodeMessageData<A, O>(message: RexsysMessage, codec: t.Type<A, O, unknown>): E.Either<RexsysDecodeError, RexsysMessage<A>> {
  const decoded = decodeWith(codec, message.data, `"${message.command}" data`, message);
  if (E.isLeft(decoded)) return decoded;
  return E.right({ ...message, data: decoded.right });
}
