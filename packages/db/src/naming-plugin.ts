import { CamelCasePlugin } from 'kysely';

/**
 * camelCase in TypeScript, snake_case in the database, with unit suffixes kept whole:
 * memoryMiB ⇄ memory_mib, capacityGiB ⇄ capacity_gib (plain CamelCasePlugin would write memory_mi_b).
 */
export class KumoNamingPlugin extends CamelCasePlugin {
  // Column names are few and repeat on every row: convert each once.
  private readonly toSnake = new Map<string, string>();
  private readonly toCamel = new Map<string, string>();

  protected override snakeCase(str: string): string {
    let out = this.toSnake.get(str);
    if (out === undefined) {
      out = super.snakeCase(str.replace(/MiB/g, 'Mib').replace(/GiB/g, 'Gib'));
      this.toSnake.set(str, out);
    }
    return out;
  }
  protected override camelCase(str: string): string {
    let out = this.toCamel.get(str);
    if (out === undefined) {
      out = super.camelCase(str).replace(/Mib(?=$|[A-Z])/g, 'MiB').replace(/Gib(?=$|[A-Z])/g, 'GiB');
      this.toCamel.set(str, out);
    }
    return out;
  }
}
