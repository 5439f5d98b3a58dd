/**
 * Command-line flags of the benchmarks (`--name value`): one reader, so every bench refuses a bad
 * value the same way, naming the flag.
 */

/** The value after `--name`, or undefined when the flag is absent. */
export function stringFlag(name: string, argv: readonly string[] = process.argv): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv[i + 1];
}

/** A positive whole number after `--name`; undefined when absent; an error naming the flag otherwise. */
export function wholeNumberFlag(name: string, argv: readonly string[] = process.argv): number | undefined {
  const raw = stringFlag(name, argv);
  if (raw === undefined && !argv.includes(`--${name}`)) return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name}: ${String(raw)} is not a positive whole number`);
  return v;
}

/** One of `choices` after `--name`; the first choice when absent; an error naming the flag otherwise. */
export function choiceFlag<T extends string>(name: string, choices: readonly [T, ...T[]], argv: readonly string[] = process.argv): T {
  if (!argv.includes(`--${name}`)) return choices[0];
  const v = stringFlag(name, argv) as T;
  if (!choices.includes(v)) throw new Error(`--${name}: ${String(v)} is not one of ${choices.join(', ')}`);
  return v;
}
