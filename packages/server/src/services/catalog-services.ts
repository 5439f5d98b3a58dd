import { join } from 'node:path';
import type { Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';
import type { AuthService } from './auth-service.ts';
import type { EventLog } from './event-log.ts';
import { ApiKeyService } from './api-key-service.ts';
import { ImageService } from './image-service.ts';
import { ImageStore } from './image-store.ts';
import { KeypairService } from './keypair-service.ts';
import { ImageVersionService } from './image-version-service.ts';
import { ImageCaptureService } from './image-capture-service.ts';
import { InstanceCdromService } from './instance-cdrom-service.ts';
import { InstanceConvertService } from './instance-convert-service.ts';
import type { OperationService } from './operation-service.ts';
import type { Notifier } from './notifier.ts';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import { OfferingService } from './offering-service.ts';

/** The catalog (images, offerings) and an account's own things (key pairs, affinity groups, API keys). */
export interface CatalogServices {
  images: ImageService;
  imageStore: ImageStore;
  /** Default version, rollback, launch version, version delete. */
  imageVersions: ImageVersionService;
  imageCapture: ImageCaptureService;
  /** KVM → LXC: a stopped VM becomes a container (its root file system captured as a 'rootfs-tar' version). */
  instanceConvert: InstanceConvertService;
  /** Instances' CD-ROM drives and boot order. */
  cdrom: InstanceCdromService;
  offerings: OfferingService;
  keypairs: KeypairService;
  apiKeys: ApiKeyService;
}

export interface CatalogServicesOptions { dataDir: string; maxImageBytes: number }
export interface CatalogServiceDeps { ops: OperationService; notifier: Notifier; gateway: AgentGateway }

export function createCatalogServices(repos: Repos, clock: Clock, auth: AuthService, events: EventLog, opts: CatalogServicesOptions, deps: CatalogServiceDeps): CatalogServices {
  const images = new ImageService(repos, clock);
  const imageCapture = new ImageCaptureService(repos, deps.ops, events, deps.notifier, clock);
  return {
    images,
    imageVersions: new ImageVersionService(repos, images, events),
    imageCapture,
    instanceConvert: new InstanceConvertService(repos, deps.ops, imageCapture, clock),
    cdrom: new InstanceCdromService(repos, deps.gateway, events, deps.notifier, clock),
    imageStore: new ImageStore(repos, images, events, clock, join(opts.dataDir, 'images'), opts.maxImageBytes),
    offerings: new OfferingService(repos, clock),
    keypairs: new KeypairService(repos, clock),
    apiKeys: new ApiKeyService(repos, auth, clock),
  };
}
