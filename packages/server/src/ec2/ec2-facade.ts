import type { FastifyBaseLogger } from 'fastify';
import { Ec2Endpoint } from '@kumo/ec2';
import type { ServerContext } from '../context.ts';
import { Ec2CredentialService } from '../services/ec2-credential-service.ts';
import { SecretBox } from '../services/ec2-secret-box.ts';
import { Ec2TagService } from '../services/ec2-tag-service.ts';
import { KumoEc2Backend } from './kumo-ec2-backend.ts';

export interface Ec2Options {
  /** The region name the endpoint answers as (default kumo-1). */
  regionName: string;
  /** The URL clients use (DescribeRegions, `kumo ec2 credentials create`); default: the API address + /ec2/. */
  publicUrl?: string | undefined;
  /** How long terminated instances stay listed (default one hour, as on EC2). */
  terminatedVisibleMs: number;
}

export const defaultEc2Options: Ec2Options = { regionName: 'kumo-1', terminatedVisibleMs: 3600_000 };

export interface Ec2Facade { endpoint: Ec2Endpoint; credentials: Ec2CredentialService; options: Ec2Options }

/** The EC2-compatible API over this server's services: keys (sealed with the data directory's key), tags, the endpoint. */
export function createEc2Facade(ctx: ServerContext, log: FastifyBaseLogger, opts: Ec2Options): Ec2Facade {
  const credentials = new Ec2CredentialService(ctx.repos, SecretBox.forDataDir(ctx.dataDir), ctx.clock);
  const backend = new KumoEc2Backend(ctx, credentials, new Ec2TagService(ctx.repos), {
    regionName: opts.regionName, endpoint: opts.publicUrl ?? '', terminatedVisibleMs: opts.terminatedVisibleMs,
  });
  const endpoint = new Ec2Endpoint(backend, {
    now: () => ctx.clock.now(),
    logError: (action, err) => log.error({ err, action }, 'EC2 action failed'),
  });
  return { endpoint, credentials, options: opts };
}
