import type { AxiosInstance } from 'axios';
import { defer, finalize, map, of, share, throwError, type Observable } from 'rxjs';
import { certify, type RexsysCredentials } from '../auth/certify.js';
import { RexsysArgumentError } from '../errors.js';
import { registerSecret } from '../security/secrets.js';

/** Credentials and whether they were certified for this very request. */
export interface IssuedCredentials {
  readonly credentials: RexsysCredentials;
  /** True when just certified: a refusal of fresh credentials is final. */
  readonly fresh: boolean;
}

export interface CredentialSourceOptions {
  readonly url: string;
  readonly project: string;
  readonly productkey?: string;
  readonly credentials?: RexsysCredentials;
  readonly http?: AxiosInstance;
  readonly renewBefore: number;
  /** Called after each certify; `skewed` when the token arrived already due for renewal. */
  readonly onCertified?: (credentials: RexsysCredentials, skewed: boolean) => void;
}

/**
 * A token that arrives already due for renewal (the server's clock is behind ours, or
 * its tokens live shorter than `renewBefore`) is used anyway for this long, or until the
 * server refuses it: at most one expiry-driven certify per minute instead of one per use.
 */
export const SKEWED_TOKEN_HOLD = 60_000;

/**
 * Where a client's credentials come from: fixed ones, or a productkey certified on
 * demand, cached until they near expiry or are refused. Concurrent requests share one
 * certify call.
 */
export class CredentialSource {
  private cached: RexsysCredentials | undefined;
  private inflight: Observable<IssuedCredentials> | undefined;
  /** Until when a token that arrived due for renewal is trusted anyway (see {@link SKEWED_TOKEN_HOLD}). */
  private holdUntil: number | undefined;

  constructor(private readonly options: CredentialSourceOptions) {
    if (!options.productkey && !options.credentials) {
      throw new RexsysArgumentError('createRexsysClient needs a productkey or credentials.');
    }
    // Every secret this client holds is scrubbed from what it reports (lib/security/secrets).
    registerSecret(options.productkey);
    registerSecret(options.credentials?.token);
    this.cached = options.credentials;
  }

  /** True when a refusal can be answered by certifying again. */
  get renewable(): boolean {
    return this.options.productkey !== undefined;
  }

  /** Replaces the credentials (fixed ones, or a fresh start for a productkey). */
  reset(credentials?: RexsysCredentials): void {
    registerSecret(credentials?.token);
    if (credentials) this.cached = credentials;
    else if (this.renewable) this.cached = undefined;
    this.holdUntil = undefined;
  }

  /** Forgets certified credentials so the next `get()` certifies again (no-op for fixed ones). */
  invalidate(): void {
    if (this.renewable) this.cached = undefined;
    this.holdUntil = undefined;
  }

  private usable(c: RexsysCredentials | undefined): c is RexsysCredentials {
    if (!c) return false;
    if (!this.renewable || c.expiresAt === undefined) return true;
    if (this.holdUntil !== undefined && Date.now() < this.holdUntil) return true;
    return !this.dueForRenewal(c);
  }

  private dueForRenewal(c: RexsysCredentials): boolean {
    return c.expiresAt !== undefined && c.expiresAt - this.options.renewBefore <= Date.now();
  }

  /** The cached credentials if they can be used now (what `get()` would emit at once), else undefined. */
  current(): RexsysCredentials | undefined {
    return this.usable(this.cached) ? this.cached : undefined;
  }

  /** Cold: the cached credentials, or a certify call (shared while in flight). */
  get(): Observable<IssuedCredentials> {
    return defer(() => {
      const cached = this.current();
      if (cached) return of({ credentials: cached, fresh: false });
      const { url, project, productkey, http } = this.options;
      if (!productkey) return throwError(() => new RexsysArgumentError('No credentials: pass a productkey or credentials.'));
      this.inflight ??= certify({ url, project, productkey, http }).pipe(
        map((credentials) => {
          this.cached = credentials;
          const skewed = this.dueForRenewal(credentials);
          this.holdUntil = skewed ? Date.now() + Math.max(this.options.renewBefore, SKEWED_TOKEN_HOLD) : undefined;
          this.options.onCertified?.(credentials, skewed);
          return { credentials, fresh: true };
        }),
        finalize(() => (this.inflight = undefined)),
        share(),
      );
      return this.inflight;
    });
  }
}
