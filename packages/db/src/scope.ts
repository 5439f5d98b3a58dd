/** Who is asking. Every repository query that touches tenant data takes one. */
export interface Scope {
  accountId: string;
  admin: boolean;
}

/** The system itself (controller, agent gateway): sees everything. */
export const systemScope: Scope = { accountId: 'acct-system', admin: true };
