import { CamelCasePlugin } from 'kysely';

/**
 * camelCase in TypeScript, snake_case in the database, with unit suffixes kept whole:
 * memoryMiB ⇄ memory_mib, capacityGiB ⇄ capacity_gib (plain CamelCasePlugin would write memory_mi_b).
 */
export class KumoNamingPlugin extends CamelCasePlugin {
  protected override snakeCase(str: string): string {
    return super.snakeCase(str.replace(/MiB/g, 'Mib').replace(/GiB/g, 'Gib'));
  }
  protected override camelCase(str: string): string {
    return super.camelCase(str).replace(/Mib(?=$|[A-Z])/g, 'MiB').replace(/Gib(?=$|[A-Z])/g, 'GiB');
  }
}
