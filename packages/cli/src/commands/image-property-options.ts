/**
 * `kumo image create|update` options for the image properties (docs/guests.md): the flags and the
 * request body fields they become. Values are checked by the server, which names the field.
 */
import type { Command } from 'commander';
import { imagePropertyChoices as choices } from '@kumo/api';
import { CliError } from '../cli-context.ts';

export interface ImagePropertyFlags {
  firmware?: string; secureBoot?: boolean; diskBus?: string; nicModel?: string; osType?: string;
  tpm?: boolean; guestAgent?: boolean; minMemory?: string; minDisk?: string;
}

function positiveInteger(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${flag} must be a whole number, not ${JSON.stringify(v)}`);
  return n;
}

export function addImagePropertyOptions(cmd: Command): Command {
  return cmd
    .option('--firmware <kind>', `${choices.firmware.join('|')}: SeaBIOS or UEFI (OVMF)`)
    .option('--secure-boot', 'UEFI Secure Boot (with --firmware uefi)').option('--no-secure-boot', 'no Secure Boot')
    .option('--disk-bus <bus>', `root disk bus: ${choices.diskBus.join('|')}`)
    .option('--nic-model <model>', `NIC device model: ${choices.nicModel.join('|')}`)
    .option('--os-type <os>', `${choices.osType.join('|')} (windows: local-time RTC, Hyper-V enlightenments)`)
    .option('--tpm', 'a TPM 2.0 (swtpm) for the guest').option('--no-tpm', 'no TPM')
    .option('--guest-agent', 'qemu-guest-agent runs in the guest').option('--no-guest-agent', 'no guest agent')
    .option('--min-memory <MiB>', 'instances need at least this much memory')
    .option('--min-disk <GiB>', 'instances need a root disk at least this big');
}

function oneOf(flag: string, v: string | undefined, allowed: readonly string[]): string | undefined {
  if (v !== undefined && !allowed.includes(v)) throw new CliError(`${flag} must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`);
  return v;
}

/** The request body fields of the flags that were given. */
export function imagePropertyBody(o: ImagePropertyFlags): Record<string, unknown> {
  oneOf('--firmware', o.firmware, choices.firmware);
  oneOf('--disk-bus', o.diskBus, choices.diskBus);
  oneOf('--nic-model', o.nicModel, choices.nicModel);
  oneOf('--os-type', o.osType, choices.osType);
  const body: Record<string, unknown> = {
    firmware: o.firmware, secureBoot: o.secureBoot, diskBus: o.diskBus, nicModel: o.nicModel, osType: o.osType,
    tpm: o.tpm, guestAgent: o.guestAgent, minMemoryMiB: positiveInteger('--min-memory', o.minMemory), minDiskGiB: positiveInteger('--min-disk', o.minDisk),
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}
