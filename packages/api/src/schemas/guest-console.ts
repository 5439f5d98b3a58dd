/** The graphical console's one-time links and the guest agent's answers, as the REST API shows them. */
import { Type, type Static } from '@sinclair/typebox';
import { GuestInfoSchema } from '../agent/spec-schemas.ts';

export const DisplayTicket = Type.Object({
  /** Good for one WebSocket (GET /api/v1/vnc/{ticket}) until expiresAt. */
  ticket: Type.String(),
  instanceId: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  /** The web console's viewer page for this ticket, relative to the server's address (`/vnc/<ticket>`). */
  path: Type.String(),
});
export type DisplayTicket = Static<typeof DisplayTicket>;

/** What the guest agent reports now: OS and network interfaces with their addresses. */
export const GuestInfo = Type.Object({ ...GuestInfoSchema.properties });
export type GuestInfo = Static<typeof GuestInfo>;

export const GuestPasswordSet = Type.Object({
  user: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z_][A-Za-z0-9_.-]*\\$?$' }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
}, { additionalProperties: false });
export type GuestPasswordSet = Static<typeof GuestPasswordSet>;
