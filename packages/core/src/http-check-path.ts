/**
 * What a load balancer's HTTP health-check path may be. It is written unquoted into haproxy.cfg
 * (`option httpchk GET <path>`), whose parser gives quotes, backslashes, `#`, `$` (environment
 * variables) and whitespace a meaning of their own: none of those may appear. The API's validator
 * (a TypeBox pattern) and the HAProxy renderer in @kumo/netcfg use this one definition, so the API
 * never accepts a path the router cannot render. Standalone (no imports): the web console bundles it.
 */
export const httpCheckPathPattern = "^/[A-Za-z0-9_.~!&()*+,;=:@%/?-]*$";
export const httpCheckPathMaxLength = 255;

const re = new RegExp(httpCheckPathPattern);

export function isRenderableHttpCheckPath(path: string): boolean {
  return path.length <= httpCheckPathMaxLength && re.test(path);
}
