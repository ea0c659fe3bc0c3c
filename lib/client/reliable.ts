/**
 * The code of confirmed delivery and request/reply, in one module that the client loads
 * on first use (`import()`, see ./reliable-on-demand.ts): an application that uses
 * neither does not load it, and a bundler puts it in a chunk of its own.
 */
export { DeliveryEngine } from '../delivery/delivery-engine.js';
export { RequestReply } from '../request/request-reply.js';
