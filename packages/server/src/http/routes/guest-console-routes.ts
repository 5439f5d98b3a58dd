import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import * as api from '@kumo/api';
import { ApiError } from '@kumo/api';
import type { Scope } from '@kumo/db';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { principalOf } from '../auth-hook.ts';
import { originAllowed, type OriginPolicy } from '../origin-policy.ts';
import { GuestConsoleService } from '../../services/guest-console-service.ts';

/** Relays one browser WebSocket (noVNC) to the guest's display through its host's agent. */
async function relayDisplay(socket: WebSocket, service: GuestConsoleService, scope: Scope, instanceId: string): Promise<void> {
  try {
    const stream = await service.openDisplay(scope, instanceId, {
      onData: (data) => { if (socket.readyState === 1) socket.send(data); },
      onClose: (reason) => { if (socket.readyState === 1) socket.close(1000, reason.slice(0, 120)); },
    });
    socket.on('message', (data: Buffer) => { if (!stream.write(Buffer.from(data))) socket.close(1011, 'host not connected'); });
    socket.on('close', () => stream.close());
    if (socket.readyState !== 1) stream.close(); // the viewer left while the stream opened
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError('internal', 'graphical console failed');
    if (socket.readyState === 1) {
      socket.send(JSON.stringify(err.toBody()));
      socket.close(4000 + Math.min(err.status, 999), err.code);
    }
  }
}

/**
 * The graphical console (VNC over WebSocket, for noVNC), its one-time links, screenshots, and the
 * guest agent (guest information, set password). The work is GuestConsoleService's.
 */
export function registerGuestConsoleRoutes(app: FastifyInstance, ctx: ServerContext, origins: OriginPolicy = { allowedOrigins: [] }): GuestConsoleService {
  const service = new GuestConsoleService(ctx.repos, ctx.gateway, ctx.clock);
  const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

  app.get('/api/v1/instances/:id/screenshot', {
    schema: {
      tags: ['instances'], summary: 'The guest\'s screen now, as PNG (guests with a graphical console)', params: api.IdParams,
      response: { 200: Type.String({ description: 'image/png', contentMediaType: 'image/png' }), ...errorResponses },
    },
  }, async (req, reply) => {
    const png = await service.screenshot(principalOf(req).scope, idOf(req));
    return reply.type('image/png').header('cache-control', 'no-store').send(png);
  });

  app.get('/api/v1/instances/:id/vnc', {
    websocket: true,
    config: { acts: true }, // keys and clicks change the guest: not for read-only credentials
    schema: { tags: ['instances'], summary: 'Graphical console as a WebSocket: the guest\'s VNC (RFB) byte stream in binary frames both ways', params: api.IdParams },
  }, (socket, req) => relayDisplay(socket, service, principalOf(req).scope, idOf(req)));

  app.post('/api/v1/instances/:id/vnc/tickets', {
    schema: {
      tags: ['instances'], summary: 'A one-time link to the graphical console (good for one connection within a minute)', params: api.IdParams,
      response: { 201: api.DisplayTicket, ...errorResponses },
    },
  }, async (req, reply) => {
    const t = await service.issueTicket(principalOf(req).scope, idOf(req));
    return reply.status(201).send({ ...t, path: `/vnc/${t.ticket}` });
  });

  // The ticket is the credential (public for the auth hook, which would ask for a session): it is
  // checked here, with the same Origin rule as every other console.
  app.get('/api/v1/vnc/:ticket', {
    websocket: true,
    config: { public: true },
    schema: { tags: ['instances'], summary: 'Graphical console by one-time ticket (POST /api/v1/instances/{id}/vnc/tickets)', params: Type.Object({ ticket: Type.String({ minLength: 16, maxLength: 64 }) }) },
  }, async (socket, req) => {
    try {
      if (!originAllowed(req, origins)) throw new ApiError('forbidden', `origin ${req.headers.origin} may not open this stream`, { field: 'origin' });
      const { scope, instanceId } = service.redeemTicket((req.params as { ticket: string }).ticket);
      await relayDisplay(socket, service, scope, instanceId);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('internal', 'graphical console failed');
      socket.send(JSON.stringify(err.toBody()));
      socket.close(4000 + Math.min(err.status, 999), err.code);
    }
  });

  app.get('/api/v1/instances/:id/guest', {
    schema: { tags: ['instances'], summary: 'What the guest agent reports now: OS and network interfaces (images that declare guestAgent)', params: api.IdParams, response: { 200: api.GuestInfo, ...errorResponses } },
  }, async (req) => service.guestInfo(principalOf(req).scope, idOf(req)));

  app.post('/api/v1/instances/:id/password', {
    schema: { tags: ['instances'], summary: 'Set a guest user\'s password through the guest agent', params: api.IdParams, body: api.GuestPasswordSet, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    const b = req.body as api.GuestPasswordSet;
    await service.setPassword(principalOf(req).scope, idOf(req), b.user, b.password);
    return reply.status(204).send();
  });
  return service;
}
