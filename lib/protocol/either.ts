/**
 * The four `Either` helpers the library uses, without importing fp-ts at run time.
 *
 * io-ts returns fp-ts `Either` values; importing `fp-ts/lib/Either` for `isLeft` would
 * put a second (CommonJS) copy of fp-ts into browser bundles beside the ES copy io-ts
 * brings. These work on the same `{ _tag }` values and keep fp-ts' types.
 */
import type { Either, Left, Right } from 'fp-ts/lib/Either.js';

export type { Either };

export const left = <E, A = never>(e: E): Either<E, A> => ({ _tag: 'Left', left: e });
export const right = <A, E = never>(a: A): Either<E, A> => ({ _tag: 'Right', right: a });
export const isLeft = <E, A>(ma: Either<E, A>): ma is Left<E> => ma._tag === 'Left';
export const isRight = <E, A>(ma: Either<E, A>): ma is Right<A> => ma._tag === 'Right';
