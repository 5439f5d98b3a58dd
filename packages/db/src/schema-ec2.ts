/** An EC2 access key (migration 020): the secret encrypted with the server key; revoked keys stay listed. */
export interface Ec2CredentialRow {
  accessKeyId: string; accountId: string; userId: string | null; name: string; secretCiphertext: string;
  createdAt: string; lastUsedAt: string | null; revokedAt: string | null;
}
/** One EC2 tag on a Kumo resource (migration 020). `resourceType` is EC2's word (instance, volume, ...). */
export interface Ec2TagRow { accountId: string; resourceId: string; resourceType: string; key: string; value: string }
