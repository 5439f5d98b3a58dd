import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import { ApiError } from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { principalOf } from '../auth-hook.ts';
import { openEventStream } from '../event-stream.ts';
import type { Change } from '../../services/notifier.ts';

/** Live updates (server-sent events) and the serial console of instances (WebSocket + log). */
export function registerStreamRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/v1/stream', {
    schema: {
      tags: ['operations'], summary: 'Server-sent events: `change` events {kind, id} for instances, operations, hosts and events the caller may see',
      response: { 200: Type.String({ description: 'text/event-stream' }), ...errorResponses },
    },
  }, (req, reply) => {
    const p = principalOf(req);
    const visible = (c: Change) => p.scope.admin || ('accountId' in c && c.accountId === p.scope.accountId);
    openEventStream(req, reply, 'kumo stream', (send) => ctx.notifier.subscribe((c) => { if (visible(c)) send('change', c); }));
  });

  app.get('/api/v1/instances/:id/console/log', {
    schema: { tags: ['instances'], summary: 'Recent serial console output (text)', params: api.IdParams, response: { 200: Type.String(), ...errorResponses } },
  }, async (req, reply) => {
    const p = principalOf(req);
    const inst = await ctx.instances.get(p.scope, (req.params as { id: string }).id);
    if (!inst.hostId || !ctx.gateway.isConnected(inst.hostId)) throw new ApiError('host_unavailable', `the host of ${inst.name} is not connected`);
    const b64 = await ctx.gateway.call(inst.hostId, 'instance.consoleLog', { instanceId: inst.id }, 15_000) as string;
    return reply.type('text/plain; charset=utf-8').send(Buffer.from(b64, 'base64').toString('utf8'));
  });

  app.get('/api/v1/instances/:id/console', {
    websocket: true,
    config: { acts: true }, // typing into a console changes the guest: not for read-only credentials
    schema: { tags: ['instances'], summary: 'Serial console as a WebSocket: binary frames both ways', params: api.IdParams },
  }, async (socket, req) => {
    try {
      const p = principalOf(req);
      const inst = await ctx.instances.get(p.scope, (req.params as { id: string }).id);
      if (!inst.hostId) throw new ApiError('invalid_state', `${inst.name} has no host yet`);
      const hostId = inst.hostId;
      const unsubscribe = ctx.gateway.subscribeConsole(inst.id, (data) => { if (socket.readyState === 1) socket.send(data); });
      socket.on('message', (data: Buffer) => {
        if (!ctx.gateway.sendConsoleInput(hostId, inst.id, Buffer.from(data))) socket.close(1011, 'host not connected');
      });
      socket.on('close', unsubscribe);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('internal', 'console failed');
      socket.send(JSON.stringify(err.toBody()));
      socket.close(4000 + Math.min(err.status, 999), err.code);
    }
  });
}
