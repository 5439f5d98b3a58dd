export const ec2ApiVersion = '2016-11-15';
export const ec2Namespace = `http://ec2.amazonaws.com/doc/${ec2ApiVersion}/`;

/** A value of an EC2 response document: elements nest, arrays repeat their element (see itemSet). */
export type XmlValue = string | number | boolean | null | undefined | XmlValue[] | { [name: string]: XmlValue };

/** EC2 lists: `<fooSet><item>…</item><item>…</item></fooSet>`. */
export function itemSet(items: readonly XmlValue[]): { item: XmlValue[] } { return { item: [...items] }; }

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const special = /[&<>"']/;
const escape = (s: string): string => (special.test(s) ? s.replace(/[&<>"']/g, (c) => escapes[c]!) : s);

/**
 * Elements only, no attributes but the root's namespace: the whole of EC2's response format. A
 * direct writer appending to one string (V8 joins appended strings cheaply), because a general
 * XML builder, and then an array of pieces, spent most of a DescribeInstances page (bench/ec2).
 * Undefined and null fields are left out; element names are the code's own, never input.
 */
function write(name: string, v: XmlValue): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) {
    let out = '';
    for (const x of v) out += write(name, x);
    return out;
  }
  if (typeof v === 'object') {
    let out = `<${name}>`;
    for (const k in v) out += write(k, v[k]);
    return `${out}</${name}>`;
  }
  return `<${name}>${typeof v === 'string' ? escape(v) : String(v)}</${name}>`;
}

/** `<ActionResponse xmlns="…"><requestId>…</requestId>…</ActionResponse>` */
export function renderResponse(action: string, requestId: string, body: Record<string, XmlValue>): string {
  let out = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${ec2Namespace}">${write('requestId', requestId)}`;
  for (const k in body) out += write(k, body[k]);
  return `${out}</${action}Response>`;
}

/** EC2's error document: `<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…</RequestID></Response>`. */
export function renderError(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${write('Response', { Errors: { Error: { Code: code, Message: message } }, RequestID: requestId })}`;
}
