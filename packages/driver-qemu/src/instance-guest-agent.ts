/**
 * What the driver asks a guest's qemu-guest-agent (guest-agent-client.ts): OS and interfaces,
 * set-password, file-system freeze/thaw around disk snapshots, shutdown when the guest ignores the
 * ACPI power button. Only for guests started with the agent channel (spec.guest.guestAgent, from the image property guestAgent); every call
 * is bounded by guestAgentTimeoutMs on the driver's clock, so a guest without a running agent costs
 * a timeout, never a hang.
 */
import { DriverError, type GuestInfo, type GuestInterface, type GuestOsInfo } from '@kumo/core';
import type { DriverContext } from './driver-context.ts';
import type { InstanceRecord } from './instance-record.ts';
import { GuestAgentClient } from './guest-agent-client.ts';

const DEFAULT_TIMEOUT_MS = 5000;

export function guestAgentOf(ctx: DriverContext, rec: InstanceRecord): GuestAgentClient {
  if (!rec.live || !rec.spec) throw new DriverError(`instance ${rec.id} is not running (${rec.rest.power})`, 'invalid_state');
  if (rec.spec.guest?.guestAgent !== true) throw new DriverError(`instance ${rec.id} was started without a guest agent channel (its image does not declare guestAgent)`, 'unsupported');
  return new GuestAgentClient({ socketPath: rec.paths.guestAgentSocket, clock: ctx.clock, timeoutMs: ctx.opts.guestAgentTimeoutMs ?? DEFAULT_TIMEOUT_MS });
}

interface QgaOsInfo { id?: string; name?: string; 'pretty-name'?: string; 'version-id'?: string; 'kernel-release'?: string; machine?: string }
interface QgaInterface { name: string; 'hardware-address'?: string; 'ip-addresses'?: Array<{ 'ip-address-type': 'ipv4' | 'ipv6'; 'ip-address': string; prefix: number }> }

function osInfoOf(o: QgaOsInfo): GuestOsInfo {
  const out: GuestOsInfo = {};
  if (o.id !== undefined) out.id = o.id;
  if (o.name !== undefined) out.name = o.name;
  if (o['pretty-name'] !== undefined) out.prettyName = o['pretty-name'];
  if (o['version-id'] !== undefined) out.versionId = o['version-id'];
  if (o['kernel-release'] !== undefined) out.kernelRelease = o['kernel-release'];
  if (o.machine !== undefined) out.machine = o.machine;
  return out;
}

function interfaceOf(i: QgaInterface): GuestInterface {
  return {
    name: i.name,
    ...(i['hardware-address'] ? { mac: i['hardware-address'].toLowerCase() } : {}),
    addresses: (i['ip-addresses'] ?? []).map((a) => ({ family: a['ip-address-type'], address: a['ip-address'], prefix: a.prefix })),
  };
}

export async function guestInfo(ctx: DriverContext, instanceId: string): Promise<GuestInfo> {
  const agent = guestAgentOf(ctx, ctx.requireRecord(instanceId));
  const interfaces = await agent.execute<QgaInterface[]>('guest-network-get-interfaces');
  // guest-get-osinfo came with qemu-ga 2.10; an older agent still reports its interfaces.
  const os = await agent.execute<QgaOsInfo>('guest-get-osinfo').then(osInfoOf, (err: unknown) => {
    if (err instanceof DriverError && err.code === 'timeout') throw err;
    return null;
  });
  return { os, interfaces: interfaces.map(interfaceOf) };
}

const USER_PATTERN = /^[a-z_][a-z0-9_.-]{0,31}\$?$/i;

export async function setGuestPassword(ctx: DriverContext, instanceId: string, user: string, password: string): Promise<void> {
  if (!USER_PATTERN.test(user)) throw new DriverError(`user ${JSON.stringify(user)} is not a valid user name`, 'invalid_state');
  if (password === '' || password.includes('\n')) throw new DriverError('password must be non-empty and one line', 'invalid_state');
  const agent = guestAgentOf(ctx, ctx.requireRecord(instanceId));
  await agent.execute('guest-set-user-password', { username: user, password: Buffer.from(password, 'utf8').toString('base64'), crypted: false });
}

/** Asks the agent to power the guest off; false when it did not take the request (no agent, timeout). */
export async function shutdownThroughAgent(ctx: DriverContext, rec: InstanceRecord): Promise<boolean> {
  try {
    await guestAgentOf(ctx, rec).send('guest-shutdown', { mode: 'powerdown' });
    return true;
  } catch (err) {
    ctx.log.info({ instanceId: rec.id, err: (err as Error).message }, 'guest agent shutdown not possible');
    return false;
  }
}

/**
 * Runs `work` with the guest's file systems frozen when its agent answers (guest-fsfreeze-freeze),
 * and thaws them afterwards whatever happened; without an agent (or one that does not answer) the
 * work runs on an unfrozen guest (crash-consistent, as before). Resolves what work resolves and
 * whether the guest was frozen.
 */
export async function withFrozenFileSystems<T>(ctx: DriverContext, rec: InstanceRecord, work: () => Promise<T>): Promise<{ result: T; frozen: boolean }> {
  let agent: GuestAgentClient | undefined;
  try { agent = rec.spec?.guest?.guestAgent === true ? guestAgentOf(ctx, rec) : undefined; } catch { agent = undefined; }
  let frozen = false;
  if (agent) {
    try {
      await agent.execute<number>('guest-fsfreeze-freeze');
      frozen = true;
    } catch (err) {
      ctx.log.info({ instanceId: rec.id, err: (err as Error).message }, 'file systems not frozen for the snapshot (no guest agent answer)');
      // A freeze that timed out may still happen in the guest: thaw to be sure.
      await agent.execute('guest-fsfreeze-thaw').catch(() => undefined);
    }
  }
  try {
    return { result: await work(), frozen };
  } finally {
    if (frozen && agent) {
      await agent.execute('guest-fsfreeze-thaw').catch((err: unknown) => {
        ctx.log.warn({ instanceId: rec.id, err: (err as Error).message }, 'guest-fsfreeze-thaw failed; the guest thaws by itself when its agent restarts');
      });
    }
  }
}
