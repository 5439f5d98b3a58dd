/**
 * `kumo instance create --type vm|container`: an instance's type follows from its image (a root-fs
 * tarball, format 'rootfs-tar', is a container; every other image a VM), so --type checks that the
 * image chosen is of that type before anything is created.
 */
import { instanceTypeOfImageFormat, type KumoClient } from '@kumo/api';
import { CliError } from '../cli-context.ts';

export type InstanceType = 'vm' | 'container';

interface VersionItem { id: string; version: string; format: string; isDefault: boolean }

export async function checkInstanceType(client: KumoClient, want: InstanceType, image: { imageId: string; imageVersionId?: string; imageVersion?: string } | undefined): Promise<void> {
  if (!image) {
    if (want === 'container') throw new CliError('--type container: pass --image with a root-fs image (e.g. tiny-ct); an ISO install is a VM');
    return;
  }
  const versions = (await client.request<{ items: VersionItem[] }>('GET', `/api/v1/images/${image.imageId}/versions`)).items;
  const v = versions.find((x) => (image.imageVersionId ? x.id === image.imageVersionId : image.imageVersion ? x.version === image.imageVersion : x.isDefault));
  if (!v) return; // the server names the missing version
  const got = instanceTypeOfImageFormat(v.format);
  if (got !== want) {
    throw new CliError(`--type ${want}: image version ${v.version} (${v.format}) makes a ${got === 'vm' ? 'VM' : 'container'}; containers need a 'rootfs-tar' image (e.g. tiny-ct), VMs any other`);
  }
}
