/**
 * Kernel module dependency resolution from depmod's text files (pure, no I/O).
 *
 * `modules.dep` has one line per module: `kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko ...`,
 * paths relative to /lib/modules/<version>. `modules.builtin` lists one path per
 * line of the drivers compiled into the kernel image.
 */

export interface KernelModule {
  /** Canonical name: file name without `.ko[.xz|.zst|.gz]`, dashes as underscores. */
  name: string;
  /** Path relative to /lib/modules/<version>. */
  path: string;
  /** Paths of the modules this one needs, as depmod listed them. */
  deps: string[];
}

export interface ModuleLoadPlan {
  /** Modules to load, each after everything it depends on. */
  load: KernelModule[];
  /** Requested modules that are built into the kernel (nothing to load). */
  builtin: string[];
}

export class UnknownKernelModuleError extends Error {
  constructor(readonly missing: string[], kernelVersion?: string) {
    super(
      `kernel module${missing.length > 1 ? 's' : ''} not found in modules.dep` +
        `${kernelVersion ? ` of ${kernelVersion}` : ''} and not built in: ${missing.join(', ')}`,
    );
    this.name = 'UnknownKernelModuleError';
  }
}

/** `kernel/drivers/net/virtio_net.ko.xz` → `virtio_net`; `foo-bar` → `foo_bar`. */
export function moduleNameFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return normalizeModuleName(base.replace(/\.ko(\.(xz|zst|gz))?$/, ''));
}

export function normalizeModuleName(name: string): string {
  return name.replaceAll('-', '_');
}

/** Parses modules.dep into a map keyed by canonical module name. */
export function parseModulesDep(text: string): Map<string, KernelModule> {
  const modules = new Map<string, KernelModule>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed modules.dep line: ${JSON.stringify(raw)}`);
    const path = line.slice(0, colon).trim();
    const deps = line.slice(colon + 1).trim().split(/\s+/).filter((d) => d !== '');
    modules.set(moduleNameFromPath(path), { name: moduleNameFromPath(path), path, deps });
  }
  return modules;
}

/** Parses modules.builtin into a set of canonical module names. */
export function parseModulesBuiltin(text: string): Set<string> {
  const names = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line !== '' && !line.startsWith('#')) names.add(moduleNameFromPath(line));
  }
  return names;
}

/**
 * Orders the wanted modules and all their dependencies so that each module comes
 * after the modules it needs (the order `insmod` must follow). Built-in modules are
 * skipped; a module that is neither loadable nor built in is an error.
 */
export function resolveModuleLoadOrder(
  wanted: readonly string[],
  modules: ReadonlyMap<string, KernelModule>,
  builtin: ReadonlySet<string> = new Set(),
): ModuleLoadPlan {
  const byPath = new Map<string, KernelModule>();
  for (const m of modules.values()) byPath.set(m.path, m);

  const load: KernelModule[] = [];
  const builtinHits: string[] = [];
  const missing: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();

  const visit = (m: KernelModule, chain: string[]): void => {
    if (done.has(m.path)) return;
    if (visiting.has(m.path)) throw new Error(`module dependency cycle: ${[...chain, m.name].join(' → ')}`);
    visiting.add(m.path);
    for (const depPath of m.deps) {
      const dep = byPath.get(depPath);
      if (!dep) {
        missing.push(`${moduleNameFromPath(depPath)} (needed by ${m.name})`);
        continue;
      }
      visit(dep, [...chain, m.name]);
    }
    visiting.delete(m.path);
    done.add(m.path);
    load.push(m);
  };

  for (const raw of wanted) {
    const name = normalizeModuleName(raw);
    const m = modules.get(name);
    if (m) visit(m, []);
    else if (builtin.has(name)) {
      if (!builtinHits.includes(name)) builtinHits.push(name);
    } else missing.push(name);
  }
  if (missing.length > 0) throw new UnknownKernelModuleError(missing);
  return { load, builtin: builtinHits };
}

/** A modules.dep that lists only the given modules (for busybox modprobe in the guest). */
export function renderModulesDep(modules: readonly KernelModule[]): string {
  return modules.map((m) => `${m.path}:${m.deps.map((d) => ` ${d}`).join('')}\n`).join('');
}
