// Workflow-safe: AgentCore Memory's identifiers as ClawFlow makes them.

/** A memory's id (its service model's pattern): a name, a dash, ten letters or digits. */
export const memoryIdPattern = /^[a-zA-Z][a-zA-Z0-9-_]{0,99}-[a-zA-Z0-9]{10}$/;

/** A namespace template: letters, digits, `-_/*:`, and the placeholders {actorId} and {sessionId}. */
export const memoryNamespacePattern = /^(?:[a-zA-Z0-9/*:_-]|\{actorId\}|\{sessionId\})+$/;
