/** Raised when the agent answered a call with an error (the driver's message is for the user). */
export class AgentCallError extends Error {
  constructor(readonly code: string, message: string) { super(message); this.name = 'AgentCallError'; }
}
