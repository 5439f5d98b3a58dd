/** Maps strings (zone ids, tags, account ids, ...) to small dense integers and back. */
export class NameInterner {
  private readonly codes = new Map<string, number>();
  private readonly names: string[] = [];

  intern(name: string): number {
    let code = this.codes.get(name);
    if (code === undefined) {
      code = this.names.length;
      this.names.push(name);
      this.codes.set(name, code);
    }
    return code;
  }

  /** The code of a known name, or `unknown` (without interning it). */
  lookup(name: string, unknown: number): number {
    return this.codes.get(name) ?? unknown;
  }

  name(code: number): string {
    const name = this.names[code];
    if (name === undefined) throw new RangeError(`no name for code ${code}`);
    return name;
  }
}
