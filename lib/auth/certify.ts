import type { AxiosInstance } from 'axios';
import * as E from '../protocol/either.js';
import { map, type Observable } from 'rxjs';
import { RexsysAuthError } from '../errors.js';
import { CertificateResult, expiryMillis } from '../protocol/codecs.js';
import { CERTIFY_PATH, namespaceFor } from '../protocol/paths.js';
import { decodeWith } from '../protocol/report.js';
import { registerSecret, scrub, scrubError, scrubText } from '../security/secrets.js';
import { joinUrl, postEncoded, type BodyFormat } from '../transport/http.js';

/** What a client needs to log in and to send over REST. */
export interface RexsysCredentials {
  /** The client id (`clientid` of the certificate answer); `uid` at login. */
  readonly uid: string;
  /** The token. Never logged by this library. */
  readonly token: string;
  /** The project the token was issued for, when known. */
  readonly project?: string;
  /** Socket namespaces from the certificate answer (`config.io`). */
  readonly namespaces?: { readonly client?: string; readonly user?: string };
  /** When the token expires (milliseconds since the epoch), when known. */
  readonly expiresAt?: number;
}

export interface CertifyOptions {
  /** Origin of the Rexsys server, e.g. `https://rexsys.example.com`. */
  readonly url: string;
  /** The project code. */
  readonly project: string;
  /** The productkey issued for this client in the Rexsys admin pages. */
  readonly productkey: string;
  /** An axios instance to send with. @default a private `axios.create()` */
  readonly http?: AxiosInstance;
  /** Body format. @default 'form' (as the vendor's jQuery example sends it) */
  readonly body?: BodyFormat;
  /** Milliseconds before the call fails with a RexsysTimeoutError. @default 10000 */
  readonly timeout?: number;
}

/**
 * Exchanges a productkey for credentials (DESIGN §1.2). Cold: each subscription makes
 * one request; unsubscribing aborts it.
 *
 * Errors: {@link RexsysAuthError} `E_CERTIFY_REFUSED` when the server refuses the key
 * (status other than `success`, or no token); {@link RexsysTransportError} for HTTP
 * and network failures; {@link RexsysTimeoutError}; {@link RexsysDecodeError} for an
 * answer of the wrong shape.
 *
 * @example
 * ```ts
 * certify({ url: 'http://127.0.0.1:4100', project: 'demo', productkey: 'KIOSK-KEY' })
 *   .subscribe(({ uid, namespaces }) => console.log(uid, namespaces?.client));
 * ```
 */
export function certify(options: CertifyOptions): Observable<RexsysCredentials> {
  const { url, project, productkey, http, body = 'form', timeout = 10_000 } = options;
  // From here on, the key never shows in an error, a reply or a CLI line.
  registerSecret(productkey);
  return postEncoded(joinUrl(url, CERTIFY_PATH), { project, productkey }, { http, body, timeout }).pipe(
    map((envelope) => {
      const { server, result } = envelope.rexsys;
      const token = (result as { token?: unknown } | undefined)?.token;
      if (server.status !== 'success' || typeof token !== 'string' || token === '') {
        const why = server.message ?? (typeof (result as { message?: unknown })?.message === 'string' ? (result as { message: string }).message : undefined);
        throw new RexsysAuthError(
          'E_CERTIFY_REFUSED',
          scrubText(`The server refused the productkey for project "${project}" (status ${server.status}${why ? `: ${why}` : ''}).`),
          { reply: scrub(envelope), final: true },
        );
      }
      registerSecret(token);
      const decoded = decodeWith(CertificateResult, result, 'certificate');
      if (E.isLeft(decoded)) throw scrubError(decoded.left);
      const r = decoded.right;
      const expiresAt = expiryMillis(r.expire);
      return {
        uid: r.clientid,
        token: r.token,
        project: r.project ?? project,
        namespaces: {
          client: r.config?.io.client ?? namespaceFor(project, 'client'),
          user: r.config?.io.user ?? namespaceFor(project, 'user'),
        },
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      };
    }),
  );
}
