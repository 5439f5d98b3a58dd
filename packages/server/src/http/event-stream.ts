import type { FastifyReply, FastifyRequest } from 'fastify';

/** Sends one server-sent event of `event` with `data` as JSON. */
export type SendEvent = (event: string, data: unknown) => void;

/**
 * Answers the request with a server-sent event stream: headers, a comment naming the stream, a
 * keep-alive comment every 15 s, and `subscribe`'s unsubscribe run when the client goes.
 */
export function openEventStream(req: FastifyRequest, reply: FastifyReply, name: string, subscribe: (send: SendEvent) => () => void): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(`: ${name}\n\n`);
  const unsubscribe = subscribe((event, data) => { res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`); });
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  req.raw.on('close', () => { clearInterval(keepAlive); unsubscribe(); });
}
