/**
 * The emulator's REST side: the certificate endpoint (docs/protocol.md, "Getting a token") and the REST send
 * (docs/protocol.md, "Sending over REST"), with CORS, body-size cap, error envelopes and the `failNext` faults.
 * No handler ever throws out: every failure becomes an envelope.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as E from '../protocol/either.js';
import { CertifyRequest, RestSendPayload } from '../protocol/codecs.js';
import { CERTIFY_PATH, SEND_PATH, namespaceFor } from '../protocol/paths.js';
import { decodePayload, extractEncodeData, readBody } from './body.js';
import { formatDatetime, problemEnvelope, successEnvelope, type Envelope, type RequestInfo } from './envelope.js';
import type { FaultTable } from './faults.js';
import { normalisePath } from './faults.js';
import type { Journal } from './journal.js';
import type { ResolvedEmulatorOptions } from './options.js';
import type { SessionRegistry, TokenRegistry } from './registry.js';
import { isChannel, route } from './router.js';

/** Path of the certificate endpoint. */
export const CERTIFY_ROUTE = CERTIFY_PATH;
/** Path of the REST send endpoint. */
export const SEND_ROUTE = SEND_PATH;

/** What the REST handler works with. */
export interface RestContext {
  readonly options: ResolvedEmulatorOptions;
  readonly tokens: TokenRegistry;
  readonly sessions: SessionRegistry;
  readonly journal: Journal;
  readonly faults: FaultTable;
  /** Responses held open by a `hang` fault; `close()` destroys them. */
  readonly hung: Set<ServerResponse>;
  /** True once `close()` started. */
  isClosing(): boolean;
}

type Answer = { readonly status: number; readonly body: Envelope; readonly headers?: Record<string, string> };

/** The Node `request` listener for every non-Socket.IO request. */
export function createRestHandler(ctx: RestContext): (req: IncomingMessage, res: ServerResponse) => void {
  const log = ctx.options.logger;
  return (req, res) => {
    const info: RequestInfo = { remoteAddress: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''), startedAt: performance.now() };
    handle(ctx, req, res, info).then(
      (answer) => {
        if (answer) write(req, res, answer);
      },
      (err: unknown) => {
        log(`REST ${req.method ?? '?'} ${safePath(req)} failed: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent && !res.destroyed)
          write(req, res, { status: 500, body: problemEnvelope(info, 'error', 'The emulator failed to handle the request.') });
        else res.destroy();
      },
    );
  };
}

function safePath(req: IncomingMessage): string {
  try {
    return normalisePath(new URL(req.url ?? '/', 'http://emulator.invalid').pathname);
  } catch {
    return '/';
  }
}

function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  return origin
    ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' }
    : { 'Access-Control-Allow-Origin': '*' };
}

function write(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...corsHeaders(req),
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...answer.headers,
  });
  res.end(text);
}

async function handle(ctx: RestContext, req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<Answer | undefined> {
  const log = ctx.options.logger;
  const method = (req.method ?? 'GET').toUpperCase();
  const path = safePath(req);

  if (method === 'OPTIONS') {
    req.resume();
    res.writeHead(204, {
      ...corsHeaders(req),
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'content-type',
      'Access-Control-Max-Age': '600',
      'Content-Length': '0',
    });
    res.end();
    return undefined;
  }
  if (path !== CERTIFY_ROUTE && path !== SEND_ROUTE) {
    req.resume();
    return {
      status: 404,
      body: problemEnvelope(info, 'error', `No such endpoint: ${method} ${path}. The emulator serves POST ${CERTIFY_ROUTE} and POST ${SEND_ROUTE}.`),
    };
  }
  if (method !== 'POST') {
    req.resume();
    return { status: 405, body: problemEnvelope(info, 'error', `${path} only accepts POST (got ${method}).`), headers: { Allow: 'POST, OPTIONS' } };
  }
  if (ctx.isClosing()) {
    req.resume();
    return { status: 503, body: problemEnvelope(info, 'error', 'The emulator is shutting down.'), headers: { Connection: 'close' } };
  }

  const fault = ctx.faults.take(path);
  if (fault?.kind === 'hang') {
    log(`REST POST ${path}: injected fault, holding the request open until close()`);
    req.resume();
    ctx.hung.add(res);
    res.on('close', () => ctx.hung.delete(res));
    return undefined;
  }

  const body = await readBody(req, ctx.options.maxHttpBufferSize);
  if (fault?.kind === 'status') {
    log(`REST POST ${path}: injected fault, answering HTTP ${fault.status}`);
    return { status: fault.status, body: problemEnvelope(info, 'error', `Injected fault (HTTP ${fault.status}).`) };
  }
  if (!body.ok) {
    log(`REST POST ${path}: body of ${body.size} bytes is over the ${ctx.options.maxHttpBufferSize}-byte limit`);
    return {
      status: 413,
      body: problemEnvelope(info, 'error', `The request body (${body.size} bytes) is larger than the limit of ${ctx.options.maxHttpBufferSize} bytes.`),
      headers: { Connection: 'close' },
    };
  }
  const encoded = extractEncodeData(body.text, req.headers['content-type']);
  if (E.isLeft(encoded)) return badRequest(ctx, info, path, encoded.left);
  return path === CERTIFY_ROUTE ? certifyAnswer(ctx, info, encoded.right) : sendAnswer(ctx, info, encoded.right);
}

function badRequest(ctx: RestContext, info: RequestInfo, path: string, message: string): Answer {
  ctx.options.logger(`REST POST ${path}: 400 ${message}`);
  return { status: 400, body: problemEnvelope(info, 'error', message) };
}

/** Accepts the vendor table's spelling `projectkey` for `productkey`. */
function acceptProjectkey(u: unknown): unknown {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return u;
  const r = u as Record<string, unknown>;
  return r.productkey === undefined && r.projectkey !== undefined ? { ...r, productkey: r.projectkey } : u;
}

function certifyAnswer(ctx: RestContext, info: RequestInfo, encoded: string): Answer {
  const { projects } = ctx.options;
  const log = ctx.options.logger;
  const request = decodePayload(encoded, CertifyRequest, acceptProjectkey);
  if (E.isLeft(request)) return badRequest(ctx, info, CERTIFY_ROUTE, request.left);
  const { project, productkey } = request.right;
  const keys = Object.prototype.hasOwnProperty.call(projects, project) ? projects[project] : undefined;
  if (!keys) {
    log(`certify refused: unknown project "${project}"`);
    return { status: 200, body: problemEnvelope(info, 'fail', `Unknown project "${project}".`) };
  }
  const clientId = Object.prototype.hasOwnProperty.call(keys, productkey) ? keys[productkey] : undefined;
  if (clientId === undefined) {
    log(`certify refused: unknown productkey for project "${project}"`);
    return { status: 200, body: problemEnvelope(info, 'fail', `The productkey is not registered for project "${project}".`) };
  }
  const issued = ctx.tokens.issue(project, productkey, clientId);
  log(`certify ${project}: issued a token to ${clientId}`);
  return {
    status: 200,
    body: successEnvelope(info, {
      clientid: clientId,
      clients: String(Object.keys(keys).length),
      config: { io: { client: namespaceFor(project, 'client'), user: namespaceFor(project, 'user') } },
      expire: { datetime: formatDatetime(issued.expiresAt), timestamp: Math.floor(issued.expiresAt / 1000) },
      namespace: 'ide',
      productkey,
      project,
      token: issued.token,
    }),
  };
}

function sendAnswer(ctx: RestContext, info: RequestInfo, encoded: string): Answer {
  const log = ctx.options.logger;
  const request = decodePayload(encoded, RestSendPayload);
  if (E.isLeft(request)) return badRequest(ctx, info, SEND_ROUTE, request.left);
  const p = request.right;
  const checked = ctx.tokens.check(p.token);
  if (!checked.ok || checked.issued.project !== p.project) {
    const why = !checked.ok ? `${checked.problem} token` : `token of another project`;
    log(`REST send to ${p.receiver} "${p.command}" refused: ${why}`);
    return { status: 401, body: problemEnvelope(info, 'fail', 'invalid token', { reason: !checked.ok ? checked.problem : 'project' }) };
  }
  // As with socket requests: a channel other than 'client'/'user' means 'client'.
  const channel = isChannel(p.channel) ? p.channel : 'client';
  const sender = checked.issued.clientId;
  if (p.sender !== sender) log(`REST send: claimed sender "${p.sender}" replaced by the token's client id ${sender}`);
  const delivered = route(
    { via: 'rest', project: p.project, channel, sender, receiver: p.receiver, command: p.command, data: p.data },
    ctx.sessions,
    ctx.journal,
  );
  return { status: 200, body: successEnvelope(info, { delivered, receiver: p.receiver, command: p.command }) };
}
