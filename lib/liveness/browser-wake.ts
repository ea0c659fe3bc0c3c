import { EMPTY, Observable, filter, fromEvent, map, merge } from 'rxjs';

/** Why the browser suggests checking the link at once. */
export type WakeReason = 'offline' | 'online' | 'visible' | 'pageshow';

/** The part of `window` that {@link browserWake} listens to (so tests can pass a fake). */
export interface WakeTarget extends EventTarget {
  readonly document?: { readonly visibilityState?: string } & EventTarget;
}

/**
 * Browser events after which a link should be proven at once: `offline` (the link is
 * probably gone), `online`, the page becoming visible, and `pageshow` from the
 * back/forward cache (it probably came back, so any remaining backoff wait is skipped).
 * Outside a browser (Node, SSR) it is `EMPTY`.
 */
export function browserWake(target: WakeTarget | undefined = typeof window === 'undefined' ? undefined : window): Observable<WakeReason> {
  if (!target || typeof target.addEventListener !== 'function') return EMPTY;
  const doc = target.document;
  return merge(
    fromEvent(target, 'offline').pipe(map((): WakeReason => 'offline')),
    fromEvent(target, 'online').pipe(map((): WakeReason => 'online')),
    fromEvent(target, 'pageshow').pipe(
      filter((e) => (e as { persisted?: boolean }).persisted === true),
      map((): WakeReason => 'pageshow'),
    ),
    doc && typeof doc.addEventListener === 'function'
      ? fromEvent(doc, 'visibilitychange').pipe(
          filter(() => doc.visibilityState === 'visible'),
          map((): WakeReason => 'visible'),
        )
      : EMPTY,
  );
}
