/**
 * The SMBIOS system information (type 1) a VM shows its guest, and the identity Kumo gives it so
 * that cloud-init finds Kumo's metadata service without a config drive: NoCloud's
 * `ds=nocloud-net;s=<url>` in the system serial number, which cloud-init's ds-identify recognises
 * (docs: cloud-init NoCloud datasource, "DMI-specific kernel command line"). The seed URL is the
 * metadata service every Kumo network serves at 169.254.169.254; it tells instances apart by their
 * source address, so the URL is the same for all of them.
 *
 * `nocloud-net`, not `nocloud`: cloud-init 22.4 (Debian 12) takes `ds=nocloud` for its local mode,
 * whose datasource cannot read http seeds and which the network stage then skips, so the guest
 * would get nothing (DataSourceNoCloud.load_cmdline_data).
 */
export interface SmbiosSystemSpec {
  manufacturer?: string;
  product?: string;
  serial?: string;
}

/** The link-local address of the metadata service on every Kumo guest network. */
export const metadataServiceAddress = '169.254.169.254';

/** Path of the NoCloud layout on the metadata service (meta-data, user-data, vendor-data, network-config). */
export const nocloudSeedPath = '/nocloud/';

/** SMBIOS identity of a guest: Kumo's name, and the NoCloud seed unless it has a config drive. */
export function kumoSmbiosSystem(withNocloudSeed: boolean): SmbiosSystemSpec {
  return {
    manufacturer: 'Kumo',
    product: 'Kumo Compute',
    ...(withNocloudSeed ? { serial: `ds=nocloud-net;s=http://${metadataServiceAddress}${nocloudSeedPath}` } : {}),
  };
}
