import { XMLBuilder } from 'fast-xml-parser';

export const ec2ApiVersion = '2016-11-15';
export const ec2Namespace = `http://ec2.amazonaws.com/doc/${ec2ApiVersion}/`;

/** A value of an EC2 response document: elements nest, arrays become `<item>` lists (see itemSet). */
export type XmlValue = string | number | boolean | null | undefined | XmlValue[] | { [name: string]: XmlValue };

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, suppressBooleanAttributes: false, format: false });

/** EC2 lists: `<fooSet><item>…</item><item>…</item></fooSet>`. */
export function itemSet(items: readonly XmlValue[]): { item: XmlValue[] } { return { item: [...items] }; }

/** Drop undefined fields, so absent optional fields are absent elements rather than empty ones. */
function clean(v: XmlValue): XmlValue {
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === 'object') {
    const out: Record<string, XmlValue> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && x !== null) out[k] = clean(x);
    return out;
  }
  return v;
}

/** `<ActionResponse xmlns="…"><requestId>…</requestId>…</ActionResponse>` */
export function renderResponse(action: string, requestId: string, body: Record<string, XmlValue>): string {
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + builder.build({ [`${action}Response`]: { '@_xmlns': ec2Namespace, requestId, ...(clean(body) as object) } });
}

/** EC2's error document: `<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…</RequestID></Response>`. */
export function renderError(code: string, message: string, requestId: string): string {
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + builder.build({ Response: { Errors: { Error: { Code: code, Message: message } }, RequestID: requestId } });
}
