import { join } from 'node:path';
import type { Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';
import type { AuthService } from './auth-service.ts';
import type { EventLog } from './event-log.ts';
import { ApiKeyService } from './api-key-service.ts';
import { ImageService } from './image-service.ts';
import { ImageStore } from './image-store.ts';
import { KeypairService } from './keypair-service.ts';
import { OfferingService } from './offering-service.ts';

/** The catalog (images, offerings) and an account's own things (key pairs, affinity groups, API keys). */
export interface CatalogServices {
  images: ImageService;
  imageStore: ImageStore;
  offerings: OfferingService;
  keypairs: KeypairService;
  apiKeys: ApiKeyService;
}

export interface CatalogServicesOptions { dataDir: string; maxImageBytes: number }

export function createCatalogServices(repos: Repos, clock: Clock, auth: AuthService, events: EventLog, opts: CatalogServicesOptions): CatalogServices {
  const images = new ImageService(repos, clock);
  return {
    images,
    imageStore: new ImageStore(repos, images, events, clock, join(opts.dataDir, 'images'), opts.maxImageBytes),
    offerings: new OfferingService(repos, clock),
    keypairs: new KeypairService(repos, clock),
    apiKeys: new ApiKeyService(repos, auth, clock),
  };
}
