/**
 * This host's OVMF (UEFI) firmware: Debian's `ovmf` package installs the 4 MiB builds in
 * /usr/share/OVMF — OVMF_CODE_4M.fd with its VARS template, and the Secure Boot variant
 * OVMF_CODE_4M.secboot.fd with OVMF_VARS_4M.ms.fd (Microsoft's keys enrolled). Undefined when the
 * package is not installed: UEFI guests are then refused with a clear error (qemu-argv-guest.ts).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { OvmfFiles } from './qemu-argv-guest.ts';

export const debianOvmfDir = '/usr/share/OVMF';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function findOvmf(dir = debianOvmfDir): Promise<OvmfFiles | undefined> {
  const code = join(dir, 'OVMF_CODE_4M.fd');
  const varsTemplate = join(dir, 'OVMF_VARS_4M.fd');
  if (!(await exists(code)) || !(await exists(varsTemplate))) return undefined;
  const secureCode = join(dir, 'OVMF_CODE_4M.secboot.fd');
  const secureVarsTemplate = join(dir, 'OVMF_VARS_4M.ms.fd');
  const secure = (await exists(secureCode)) && (await exists(secureVarsTemplate));
  return { code, varsTemplate, ...(secure ? { secureCode, secureVarsTemplate } : {}) };
}
