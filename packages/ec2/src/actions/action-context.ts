import type { Ec2Backend, Ec2Caller } from '../ec2-backend.ts';
import type { QueryParams } from '../query-params.ts';
import type { XmlValue } from '../xml-response.ts';

/** What an action handler gets: the verified caller, the request's parameters and the platform. */
export interface ActionContext {
  caller: Ec2Caller;
  params: QueryParams;
  backend: Ec2Backend;
  /** The account id as EC2 shows it (ownerId). */
  ownerId: string;
  /** The URL this request reached (http://host/path), for DescribeRegions when no public URL is configured. */
  requestUrl: string;
}

/** An action: its parameters in, the response document's body (without requestId) out. */
export type ActionHandler = (ctx: ActionContext) => Promise<Record<string, XmlValue>>;

/**
 * Actions by name. `mutates: false` marks reads (read-only keys may call them); DryRun on a
 * mutating action answers DryRunOperation after the permission check, before any change.
 */
export interface ActionSpec { handler: ActionHandler; mutates: boolean }
export type ActionTable = Record<string, ActionSpec>;

export const read = (handler: ActionHandler): ActionSpec => ({ handler, mutates: false });
export const write = (handler: ActionHandler): ActionSpec => ({ handler, mutates: true });
