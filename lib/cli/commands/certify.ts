/**
 * `rexsys-rx certify`: exchanges a productkey for credentials and prints what they say
 * (client id, project, namespaces, expiry) as JSON. The token itself is never printed.
 */
import { firstValueFrom } from 'rxjs';
import { certify, type RexsysCredentials } from '../../auth/certify.js';
import { RexsysAuthError } from '../../errors.js';
import { integerOption } from '../args.js';
import { defineCommand } from '../command.js';
import { CliFailure, EXIT_OK, oneLine } from '../errors.js';
import { jsonLine } from '../format.js';
import { HELP_FLAG, SERVER_FLAGS, serverTarget } from '../server-flags.js';

/** What `certify` prints: everything but the token. */
export interface CertifySummary {
  readonly uid: string;
  readonly project: string | null;
  readonly namespaces: { readonly client: string | null; readonly user: string | null };
  /** ISO 8601, or null when the server did not say. */
  readonly expiresAt: string | null;
}

/** `rexsys-rx certify`: productkey → credentials summary (uid, project, namespaces, expiry) as one JSON line; never the token. */
export const certifyCommand = defineCommand({
  name: 'certify',
  summary: 'Exchange a productkey for credentials; print them as JSON (never the token)',
  usage: 'rexsys-rx certify --url URL --project CODE --productkey KEY',
  description: [
    'Posts the productkey to the certificate endpoint and prints, as one JSON line,',
    'the client id (uid) it belongs to, the project, the socket namespaces and when the',
    'token expires. The token itself is never printed. Exit 1 when the key is refused.',
  ],
  examples: [
    'rexsys-rx certify --url http://127.0.0.1:4100 --project demo --productkey KIOSK-KEY',
    'REXSYS_PRODUCTKEY=KIOSK-KEY rexsys-rx certify --url http://127.0.0.1:4100 --project demo | jq .uid',
  ],
  flags: {
    ...SERVER_FLAGS,
    timeout: { type: 'string', value: 'MS', description: 'Milliseconds to wait for the answer', default: '10000' },
    ...HELP_FLAG,
  },
  async run(flags, term) {
    const { url, project, productkey } = serverTarget(flags, term.env, 'certify');
    const timeout = flags.timeout === undefined ? 10_000 : integerOption('timeout', flags.timeout, 1, 600_000, 'certify');
    term.addSecret(productkey);
    let credentials: RexsysCredentials;
    try {
      credentials = await firstValueFrom(certify({ url, project, productkey, timeout }));
    } catch (e) {
      if (e instanceof RexsysAuthError) throw new CliFailure(oneLine(e.message));
      throw new CliFailure(`could not certify at ${url}: ${e instanceof Error ? oneLine(e.message) : String(e)}`);
    }
    term.addSecret(credentials.token);
    const summary: CertifySummary = {
      uid: credentials.uid,
      project: credentials.project ?? null,
      namespaces: { client: credentials.namespaces?.client ?? null, user: credentials.namespaces?.user ?? null },
      expiresAt: credentials.expiresAt === undefined ? null : new Date(credentials.expiresAt).toISOString(),
    };
    term.out(jsonLine(summary));
    return EXIT_OK;
  },
});
