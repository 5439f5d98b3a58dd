import { newId, type Clock } from '@kumo/core';
import { ApiError, type DiskOfferingCreate, type OfferingCreate } from '@kumo/api';
import type { DiskOfferingRow, OfferingRow, Repos, Scope } from '@kumo/db';
import { deleteInUseGuarded, releaseOrRefuse } from './catalog-in-use.ts';
import { uniquely } from './unique-insert.ts';

/** Compute offerings (instance types) and disk offerings: admins write them, everyone reads them. */
export class OfferingService {
  constructor(private readonly repos: Repos, private readonly clock: Clock) {}

  private now(): string { return new Date(this.clock.now()).toISOString(); }

  async create(b: OfferingCreate): Promise<OfferingRow> {
    const row: OfferingRow = {
      id: newId('offering'), name: b.name, description: b.description ?? '', vcpus: b.vcpus, memoryMiB: b.memoryMiB, rootDiskGiB: b.rootDiskGiB,
      qosClass: b.qosClass ?? 'guaranteed', ha: b.ha ? 1 : 0, diskProvisioning: b.diskProvisioning ?? 'linked',
      stopTimeoutSec: b.stopTimeoutSec ?? 60, createdAt: this.now(),
    };
    await uniquely('name', `offering ${b.name}`, () => this.repos.offerings.insert(row));
    return row;
  }

  /** Refused (409) while instances that are not deleted use it; deleted instances let go of it. */
  async delete(scope: Scope, id: string): Promise<void> {
    await deleteInUseGuarded(`offering ${id}`, () => this.repos.db.transaction().execute(async (trx) => {
      const row = await this.repos.offerings.getForWrite(scope, id, trx);
      if (!row) throw new ApiError('not_found', `offering ${id} not found`);
      await releaseOrRefuse(this.repos, trx, 'offeringId', row.id, `offering ${row.name}`);
      await this.repos.offerings.delete(scope, row.id, trx);
    }));
  }

  async createDisk(b: DiskOfferingCreate): Promise<DiskOfferingRow> {
    const row: DiskOfferingRow = {
      id: newId('diskOffering'), name: b.name, description: b.description ?? '', sizeGiB: b.sizeGiB, qosClass: b.qosClass ?? 'guaranteed', createdAt: this.now(),
      readIops: b.readIops ?? null, writeIops: b.writeIops ?? null, readBytesPerSec: b.readBytesPerSec ?? null, writeBytesPerSec: b.writeBytesPerSec ?? null,
    };
    await uniquely('name', `disk offering ${b.name}`, () => this.repos.diskOfferings.insert(row));
    return row;
  }

  async deleteDisk(scope: Scope, id: string): Promise<void> {
    if (!(await this.repos.diskOfferings.delete(scope, id))) throw new ApiError('not_found', `disk offering ${id} not found`);
  }
}
