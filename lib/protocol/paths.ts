/**
 * Where things live on a Rexsys server: the REST paths and the Socket.IO namespace
 * template. Defined once here and used by the client, the emulator and the CLI.
 * See docs/protocol.md ("Getting a token", "The socket", "Sending over REST").
 */
import type { Channel } from './codecs.js';

/** `POST {origin}` + this: productkey → token (form body `EncodeData=…`). */
export const CERTIFY_PATH = '/api/rexsys/cgi/certificate/productkey';

/** `POST {origin}` + this: send a message over REST (`{ EncodeData }`). */
export const SEND_PATH = '/api/ide/io/send';

/** The Socket.IO namespace of a project's channel: `/io/{project}/{channel}`. */
export function namespaceFor(project: string, channel: Channel): string {
  return `/io/${project}/${channel}`;
}
