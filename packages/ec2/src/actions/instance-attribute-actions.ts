import { Ec2Error, invalidParameter } from '../ec2-error.ts';
import { fromEc2Id, notFoundCode } from '../ec2-ids.ts';
import { mapKumoErrors } from '../kumo-error.ts';
import type { XmlValue } from '../xml-response.ts';
import { write, type ActionContext, type ActionTable } from './action-context.ts';
import { namedInstances } from './instance-actions.ts';
import { metadataOptionsXml } from './instance-xml.ts';
import { httpTokensParam } from '../metadata-http-tokens.ts';

/**
 * Attributes Kumo keeps fixed at EC2's defaults: setting the default is accepted (Terraform sends
 * them), any other value is refused as UnsupportedOperation naming the attribute.
 */
const fixedAttributes: Record<string, string> = {
  disableApiTermination: 'false', disableApiStop: 'false', sourceDestCheck: 'true', ebsOptimized: 'false', instanceInitiatedShutdownBehavior: 'stop',
};

/** The one attribute of the request: `InstanceType.Value=…` (the SDKs) or `Attribute=instanceType&Value=…` (the older form). */
function requestedAttribute(ctx: ActionContext): { name: string; value: string } {
  const p = ctx.params;
  const named = p.get('Attribute');
  if (named !== undefined) return { name: named, value: p.get('Value') ?? '' };
  const given = [...Object.keys(fixedAttributes), 'instanceType', 'userData', 'kernel', 'ramdisk', 'enaSupport', 'sriovNetSupport']
    .flatMap((a) => { const v = p.get(`${a[0]!.toUpperCase()}${a.slice(1)}.Value`); return v === undefined ? [] : [{ name: a, value: v }]; });
  if (p.list('GroupId').length > 0) given.push({ name: 'groupSet', value: '' });
  if (p.structs('BlockDeviceMapping').length > 0) given.push({ name: 'blockDeviceMapping', value: '' });
  if (given.length === 0) throw new Ec2Error('MissingParameter', 'The request must name an attribute to change (InstanceType.Value, DisableApiTermination.Value, …)');
  if (given.length > 1) throw new Ec2Error('InvalidParameterCombination', `change one attribute per request, not ${given.map((g) => g.name).join(' and ')}`);
  return given[0]!;
}

/**
 * ModifyInstanceAttribute: the instance type of a stopped instance (a Kumo resize: quota and host
 * capacity checked; a running instance answers IncorrectInstanceState), and EC2's fixed defaults.
 */
async function modifyInstanceAttribute(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const id = fromEc2Id('instance', ctx.params.required('InstanceId'));
  const { name, value } = requestedAttribute(ctx);
  const [inst] = await namedInstances(ctx, [id]);
  if (name === 'instanceType') {
    if (value === '') throw invalidParameter('InstanceType.Value', 'name the instance type');
    await mapKumoErrors(() => ctx.backend.resizeInstance(ctx.caller, inst!.id, value), notFoundCode('instance'));
    return { return: true };
  }
  const fixed = fixedAttributes[name];
  if (fixed === undefined) throw new Ec2Error('UnsupportedOperation', `ModifyInstanceAttribute of ${name} is not supported by this cloud`);
  if (value.toLowerCase() !== fixed) throw new Ec2Error('UnsupportedOperation', `${name} is always ${fixed} on this cloud`);
  return { return: true };
}

/**
 * ModifyInstanceMetadataOptions: IMDSv2 session tokens required or optional (applied at once by the
 * instance's metadata service). The endpoint stays enabled, the hop limit 1: other values are refused.
 */
async function modifyInstanceMetadataOptions(ctx: ActionContext): Promise<Record<string, XmlValue>> {
  const p = ctx.params;
  const id = fromEc2Id('instance', p.required('InstanceId'));
  const tokens = httpTokensParam(p.get('HttpTokens'), 'HttpTokens');
  const endpoint = p.get('HttpEndpoint');
  if (endpoint !== undefined && endpoint !== 'enabled') throw new Ec2Error('UnsupportedOperation', 'HttpEndpoint: the metadata service of this cloud is always enabled');
  const [inst] = await namedInstances(ctx, [id]);
  if (tokens !== undefined) await mapKumoErrors(() => ctx.backend.setMetadataHttpTokens(ctx.caller, inst!.id, tokens), notFoundCode('instance'));
  return { instanceId: p.required('InstanceId'), instanceMetadataOptions: { ...(metadataOptionsXml({ metadataHttpTokens: tokens ?? inst!.metadataHttpTokens }) as Record<string, XmlValue>), state: 'pending' } };
}

export const instanceAttributeActions: ActionTable = {
  ModifyInstanceAttribute: write(modifyInstanceAttribute),
  ModifyInstanceMetadataOptions: write(modifyInstanceMetadataOptions),
};
