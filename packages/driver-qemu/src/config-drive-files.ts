/**
 * What goes on a NoCloud config drive and how genisoimage is asked to build it
 * (pure; the I/O is in config-drive.ts).
 */
import { DriverError, type ConfigDriveSpec } from '@kumo/core';

export const CONFIG_DRIVE_LABEL = 'cidata';
export const GENISOIMAGE_PACKAGE = 'genisoimage';

export interface ConfigDriveFile {
  name: 'meta-data' | 'user-data' | 'network-config';
  content: string;
}

function invalid(message: string): never {
  throw new DriverError(`invalid instance spec: ${message}`, 'start_failed');
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** The files of the drive, in this order; throws a DriverError naming a field that is not text. */
export function configDriveFiles(spec: ConfigDriveSpec): ConfigDriveFile[] {
  const raw = spec as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) invalid(`configDrive must be an object, not ${kindOf(raw)}`);
  const text = (field: string, v: unknown): string => {
    if (typeof v !== 'string') invalid(`configDrive.${field} must be text, not ${kindOf(v)}`);
    return v;
  };
  const files: ConfigDriveFile[] = [
    { name: 'meta-data', content: text('metaData', spec.metaData) },
    { name: 'user-data', content: text('userData', spec.userData) },
  ];
  if (spec.networkConfig !== undefined) files.push({ name: 'network-config', content: text('networkConfig', spec.networkConfig) });
  return files;
}

/** genisoimage's command line: every file of sourceDir at the root of the image (pure). */
export function genisoimageArgs(outFile: string, sourceDir: string): string[] {
  return [
    '-quiet', '-output', outFile, '-volid', CONFIG_DRIVE_LABEL,
    '-joliet', '-rational-rock', '-input-charset', 'utf-8', sourceDir,
  ];
}
