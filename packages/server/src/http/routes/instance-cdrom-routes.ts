import type { FastifyInstance } from 'fastify';
import * as api from '@kumo/api';
import type { ServerContext } from '../../context.ts';
import { errorResponses } from '../crud-routes.ts';
import { toInstance } from '../mappers.ts';
import { principalOf } from '../auth-hook.ts';
import type { InstanceRow } from '@kumo/db';
import { InstanceHaService } from '../../ha/instance-ha-service.ts';
import { InstanceMetadataOptionsService } from '../../services/instance-metadata-options-service.ts';

/** An instance's CD-ROM drive (insert, eject), boot order and HA settings (PATCH). The work is InstanceCdromService's and InstanceHaService's. */
export function registerInstanceCdromRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { cdrom } = ctx.catalog;
  const ha = new InstanceHaService(ctx.repos, ctx.events, ctx.notifier, ctx.clock);
  const metadataOptions = new InstanceMetadataOptionsService(ctx.repos, ctx.events, ctx.notifier, ctx.clock);
  const show = async (row: InstanceRow) => {
    const [groups, addresses] = await Promise.all([ctx.repos.instances.affinityGroupIds(row.id), ctx.repos.nics.addressesOf([row.id])]);
    return toInstance(row, groups, addresses.get(row.id) ?? []);
  };

  app.post('/api/v1/instances/:id/cdrom', {
    schema: { tags: ['instances'], summary: 'Insert an ISO into the CD-ROM drive (a running guest sees it at once)', params: api.IdParams, body: api.InstanceCdromInsert, response: { 200: api.Instance, ...errorResponses } },
  }, async (req) => show(await cdrom.insert(principalOf(req).scope, (req.params as { id: string }).id, req.body as api.InstanceCdromInsert)));

  app.delete('/api/v1/instances/:id/cdrom', {
    schema: { tags: ['instances'], summary: 'Eject the ISO (the drive stays, empty)', params: api.IdParams, response: { 200: api.Instance, ...errorResponses } },
  }, async (req) => show(await cdrom.eject(principalOf(req).scope, (req.params as { id: string }).id)));

  app.patch('/api/v1/instances/:id', {
    schema: { tags: ['instances'], summary: 'Change an instance\'s settings: boot order (from the next start), high availability and its restart priority, IMDSv2 tokens (metadataHttpTokens)', params: api.IdParams, body: api.InstanceUpdate, response: { 200: api.Instance, ...errorResponses } },
  }, async (req) => {
    const p = principalOf(req);
    const id = (req.params as { id: string }).id;
    const b = req.body as api.InstanceUpdate;
    let row = b.bootDevice ? await cdrom.setBootDevice(p.scope, id, b.bootDevice) : await ctx.instances.get(p.scope, id);
    if (b.ha !== undefined || b.haPriority !== undefined) row = await ha.update(p.scope, id, { ha: b.ha, haPriority: b.haPriority });
    if (b.metadataHttpTokens !== undefined) row = await metadataOptions.setHttpTokens(p.scope, id, b.metadataHttpTokens);
    return show(row);
  });
}
