import type { Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';
import type { AuthService } from './services/auth-service.ts';
import type { OperationService } from './services/operation-service.ts';
import type { OperationCancelService } from './services/operation-cancel-service.ts';
import type { InstanceService } from './services/instance-service.ts';
import type { HostService } from './services/host-service.ts';
import type { EventLog } from './services/event-log.ts';
import type { Notifier } from './services/notifier.ts';
import type { AgentGateway } from './gateway/agent-gateway.ts';
import type { CatalogServices } from './services/catalog-services.ts';
import type { VolumeService } from './services/volume-service.ts';
import type { VolumeDeviceService } from './services/volume-device-service.ts';
import type { SnapshotService } from './services/snapshot-service.ts';
import type { MigrationService } from './services/migration-service.ts';
import type { QuotaService } from './services/quota-service.ts';
import type { UsageService } from './services/usage-service.ts';
import type { AuditService } from './services/audit-service.ts';
import type { TenancyServices } from './services/tenancy-services.ts';

/** Quotas, usage records and the audit log. */
export interface AccountingServices { quotas: QuotaService; usage: UsageService; audit: AuditService }

/** Volumes (lifecycle, device changes) and snapshots. */
export interface StorageServices { volumes: VolumeService; volumeDevices: VolumeDeviceService; snapshots: SnapshotService }

/** What route handlers may use: services and repositories, never the controller's internals. */
export interface ServerContext {
  repos: Repos;
  clock: Clock;
  auth: AuthService;
  ops: OperationService;
  opCancel: OperationCancelService;
  instances: InstanceService;
  /** Images, offerings, key pairs, affinity groups, API keys and accounts. */
  catalog: CatalogServices;
  storage: StorageServices;
  accounting: AccountingServices;
  /** Domains, accounts, users, projects, roles and the policy that decides who may do what. */
  tenancy: TenancyServices;
  hosts: HostService;
  /** Live and cold migration of instances between hosts. */
  migrations: MigrationService;
  events: EventLog;
  notifier: Notifier;
  gateway: AgentGateway;
  dataDir: string;
}

export const nowIso = (clock: Clock): string => new Date(clock.now()).toISOString();
