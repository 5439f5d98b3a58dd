import { invalidParameter } from './ec2-error.ts';

/** MetadataOptions.HttpTokens / HttpTokens: 'required' (IMDSv2 only) or 'optional' (IMDSv1 too); undefined when not given. */
export function httpTokensParam(value: string | undefined, name: string): 'required' | 'optional' | undefined {
  if (value === undefined) return undefined;
  if (value !== 'required' && value !== 'optional') throw invalidParameter(name, `'${value}' is not required or optional`);
  return value;
}
