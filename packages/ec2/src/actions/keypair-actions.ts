import type { KeypairView } from '../ec2-backend.ts';
import { Ec2Error, invalidParameter } from '../ec2-error.ts';
import { fromEc2Id, toEc2Id } from '../ec2-ids.ts';
import { filterPredicate, type FilterFields } from '../filters.ts';
import { newRsaKeyPair } from '../key-material.ts';
import { mapKumoErrors } from '../kumo-error.ts';
import { specTags, tagSetXml, tagsOf } from '../tag-sets.ts';
import { itemSet, type XmlValue } from '../xml-response.ts';
import { read, write, type ActionContext, type ActionTable } from './action-context.ts';

const keyFilters: FilterFields<KeypairView> = {
  'key-name': (k) => [k.name],
  'key-pair-id': (k) => [toEc2Id('keypair', k.id)],
  fingerprint: (k) => [k.fingerprint],
};

function keyName(ctx: ActionContext): string {
  const name = ctx.params.required('KeyName');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) throw invalidParameter('KeyName', 'letters, digits, . _ - (starting with a letter or digit), at most 63');
  return name;
}

async function importKey(ctx: ActionContext, name: string, publicKey: string, tags: Array<{ key: string; value: string }>): Promise<KeypairView> {
  const k = await mapKumoErrors(() => ctx.backend.importKeypair(ctx.caller, name, publicKey), undefined, { conflict: 'InvalidKeyPair.Duplicate', bad_request: 'InvalidKey.Format' });
  if (tags.length > 0) await ctx.backend.setTags(ctx.caller, [{ id: k.id, type: 'key-pair' }], tags);
  return k;
}

async function createKeyPair(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const name = keyName(ctx);
  const type = ctx.params.get('KeyType') ?? 'rsa';
  if (type !== 'rsa') throw new Ec2Error('UnsupportedOperation', `KeyType ${type}: this endpoint creates rsa keys (import other kinds with ImportKeyPair)`);
  const tags = specTags(ctx, 'key-pair', ['key-pair']);
  const material = await newRsaKeyPair(name);
  const k = await importKey(ctx, name, material.publicKeyOpenSsh, tags);
  return { keyName: k.name, keyFingerprint: material.fingerprint, keyMaterial: material.privateKeyPem, keyPairId: toEc2Id('keypair', k.id), tagSet: tagSetXml(new Map(tags.map((t) => [t.key, t.value]))) };
}

async function importKeyPair(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const name = keyName(ctx);
  const material = Buffer.from(ctx.params.required('PublicKeyMaterial'), 'base64').toString('utf8').trim();
  const tags = specTags(ctx, 'key-pair', ['key-pair']);
  const k = await importKey(ctx, name, material, tags);
  return { keyName: k.name, keyFingerprint: k.fingerprint, keyPairId: toEc2Id('keypair', k.id), tagSet: tagSetXml(new Map(tags.map((t) => [t.key, t.value]))) };
}

async function describeKeyPairs(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const names = ctx.params.list('KeyName');
  const ids = ctx.params.list('KeyPairId').map((id) => fromEc2Id('keypair', id));
  const all = await ctx.backend.keypairs(ctx.caller);
  for (const n of names) if (!all.some((k) => k.name === n)) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${n}' does not exist`);
  for (const id of ids) if (!all.some((k) => k.id === id)) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${toEc2Id('keypair', id)}' does not exist`);
  const tags = await tagsOf(ctx, all.map((k) => k.id));
  const pick = filterPredicate(ctx.params.filters(), keyFilters, (k) => tags(k.id));
  const includePublic = ctx.params.bool('IncludePublicKey') === true;
  return {
    keySet: itemSet(all.filter((k) => (names.length === 0 || names.includes(k.name)) && (ids.length === 0 || ids.includes(k.id)) && pick(k)).map((k) => ({
      keyPairId: toEc2Id('keypair', k.id), keyName: k.name, keyFingerprint: k.fingerprint, keyType: k.publicKey.startsWith('ssh-ed25519') ? 'ed25519' : 'rsa',
      publicKey: includePublic ? k.publicKey : undefined, createTime: k.createdAt, tagSet: tagSetXml(tags(k.id)),
    }))),
  };
}

/** Deleting a key pair that does not exist succeeds, as on EC2. */
async function deleteKeyPair(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const name = ctx.params.get('KeyName');
  const id = ctx.params.get('KeyPairId');
  if (!name && !id) throw new Ec2Error('MissingParameter', 'The request must contain the parameter KeyName or KeyPairId');
  const kumoId = id ? fromEc2Id('keypair', id) : undefined;
  const k = (await ctx.backend.keypairs(ctx.caller)).find((x) => (kumoId ? x.id === kumoId : x.name === name));
  if (k) await mapKumoErrors(() => ctx.backend.deleteKeypair(ctx.caller, k.id), 'InvalidKeyPair.NotFound', { in_use: 'InvalidKeyPair.InUse' });
  return { return: true, keyPairId: k ? toEc2Id('keypair', k.id) : undefined };
}

export const keypairActions: ActionTable = {
  CreateKeyPair: write(createKeyPair),
  ImportKeyPair: write(importKeyPair),
  DescribeKeyPairs: read(describeKeyPairs),
  DeleteKeyPair: write(deleteKeyPair),
};
