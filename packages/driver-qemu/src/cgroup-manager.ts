/**
 * Creates and removes the per-instance cgroups planned by cgroup-plan.ts.
 * Detection prefers v1 controller mounts (hybrid hosts such as this CI machine,
 * where the v2 mount carries no useful controller), then a unified v2 hierarchy.
 * When no cgroup filesystem is writable, QEMU runs unconfined and a warning is logged.
 */
import { access, mkdir, readFile, realpath, rmdir, writeFile } from 'node:fs/promises';
import { cgroupLimitsFor, parseOomKills, planCgroup, type CgroupLayout, type CgroupLimits, type CgroupPlan, type V1Controller } from './cgroup-plan.ts';
import type { DriverLogger } from './driver-logger.ts';

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

export async function detectCgroupLayout(root: string): Promise<CgroupLayout> {
  const controllers: Partial<Record<V1Controller, string>> = {};
  for (const c of ['cpu', 'cpuacct', 'memory', 'pids'] as const) {
    const dir = `${root}/${c}`;
    if ((await exists(`${dir}/cgroup.procs`)) && !(await exists(`${dir}/cgroup.controllers`))) {
      controllers[c] = await realpath(dir);
    }
  }
  if (controllers.memory && controllers.cpu) return { kind: 'v1', controllers };
  if (await exists(`${root}/cgroup.controllers`)) {
    const list = (await readFile(`${root}/cgroup.controllers`, 'utf8')).trim().split(/\s+/).filter(Boolean);
    if (list.includes('memory') || list.includes('cpu')) return { kind: 'v2', root, controllers: list };
    return { kind: 'none', reason: `cgroup v2 at ${root} offers neither memory nor cpu (${list.join(' ') || 'nothing'})` };
  }
  return { kind: 'none', reason: `no cgroup v1 cpu+memory mounts and no cgroup v2 hierarchy under ${root}` };
}

export class CgroupManager {
  private layoutPromise: Promise<CgroupLayout> | undefined;

  constructor(
    private readonly root: string,
    private readonly parent: string,
    private readonly logger: DriverLogger,
  ) {}

  /** Detected once; 'none' (with a warning) when nothing is writable. */
  layout(): Promise<CgroupLayout> {
    this.layoutPromise ??= this.detect();
    return this.layoutPromise;
  }

  private async detect(): Promise<CgroupLayout> {
    let layout = await detectCgroupLayout(this.root);
    if (layout.kind !== 'none') {
      const probe = planCgroup(layout, this.parent, 'probe', cgroupLimitsFor({ memoryMiB: 0, vcpus: 1 }));
      const first = probe?.steps.find((s) => s.op === 'mkdir');
      try {
        if (first) await mkdir(first.path, { recursive: true });
      } catch (err) {
        layout = { kind: 'none', reason: `cgroup filesystem not writable: ${(err as Error).message}` };
      }
    }
    if (layout.kind === 'none') {
      this.logger.warn({ reason: layout.reason }, 'QEMU guests will run without cgroup limits');
    }
    return layout;
  }

  /** Create the instance's groups with their limits. Null when cgroups are unavailable. */
  async create(instanceId: string, limits: CgroupLimits): Promise<CgroupPlan | null> {
    const plan = planCgroup(await this.layout(), this.parent, instanceId, limits);
    if (!plan) return null;
    try {
      for (const step of plan.steps) {
        if (step.op === 'mkdir') await mkdir(step.path, { recursive: true });
        else await writeFile(step.file, step.value);
      }
    } catch (err) {
      await this.remove(plan);
      throw new Error(`cgroup setup for ${instanceId} failed: ${(err as Error).message}`);
    }
    return plan;
  }

  /** The plan of an existing instance (for cleanup after re-adoption). */
  async existing(instanceId: string): Promise<CgroupPlan | null> {
    return planCgroup(await this.layout(), this.parent, instanceId, cgroupLimitsFor({ memoryMiB: 0, vcpus: 1 }));
  }

  /** Changes the memory limit of an instance's group (headroom while it migrates). */
  async setMemoryLimit(plan: CgroupPlan, bytes: number): Promise<void> {
    for (const step of plan.steps) {
      if (step.op === 'write' && /\/memory\.(limit_in_bytes|max)$/.test(step.file)) await writeFile(step.file, String(bytes));
    }
  }

  async oomKills(plan: CgroupPlan): Promise<number> {
    if (!plan.oomFile) return 0;
    try {
      return parseOomKills(await readFile(plan.oomFile, 'utf8'));
    } catch {
      return 0;
    }
  }

  /**
   * Remove the instance's groups. rmdir fails with EBUSY while the exiting process
   * is still being torn down, so retry briefly.
   */
  async remove(plan: CgroupPlan): Promise<void> {
    for (const dir of plan.leafDirs) {
      const deadline = Date.now() + 3000;
      for (;;) {
        try {
          await rmdir(dir);
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (code !== 'EBUSY' || Date.now() > deadline) {
            this.logger.warn({ dir, err: (err as Error).message }, 'could not remove cgroup');
            break;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  }
}
