/**
 * The worker roles one process can take (`clawflow worker --queues`): a deployment scales session+agent workers on
 * their own and runs the tools worker where the agent's workspace is.
 */
export const workerRoles = ['sessions', 'agent', 'tools'] as const;
export type WorkerRole = (typeof workerRoles)[number];

/** Parses `sessions,agent`; throws a message naming what is wrong. */
export function parseWorkerRoles(text: string): WorkerRole[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (!names.length) throw new Error(`name at least one of ${workerRoles.join(', ')}`);
  const unknown = names.filter((name) => !(workerRoles as readonly string[]).includes(name));
  if (unknown.length) throw new Error(`no such worker queue: ${unknown.join(', ')} (choose from ${workerRoles.join(', ')})`);
  return [...new Set(names as WorkerRole[])];
}
