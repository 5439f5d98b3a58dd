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
 * direct writer, because a general XML builder spent ~1 s per page of 1,000 instances
 * (bench/ec2). Undefined and null fields are left out; names are the code's own, never input.
 */
function write(out: string[], name: string, v: XmlValue): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) {
    for (const x of v) write(out, name, x);
    return;
  }
  out.push('<', name, '>');
  if (typeof v === 'object') {
    for (const k in v) write(out, k, v[k]);
  } else {
    out.push(typeof v === 'string' ? escape(v) : String(v));
  }
  out.push('</', name, '>');
}

/** `<ActionResponse xmlns="…"><requestId>…</requestId>…</ActionResponse>` */
export function renderResponse(action: string, requestId: string, body: Record<string, XmlValue>): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n<', action, 'Response xmlns="', ec2Namespace, '">'];
  write(out, 'requestId', requestId);
  for (const k in body) write(out, k, body[k]);
  out.push('</', action, 'Response>');
  return out.join('');
}

/** EC2's error document: `<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…</RequestID></Response>`. */
export function renderError(code: string, message: string, requestId: string): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  write(out, 'Response', { Errors: { Error: { Code: code, Message: message } }, RequestID: requestId });
  return out.join('');
}
