// Which settings hold secrets by their name alone: an MCP server's GITHUB_TOKEN, a header's Authorization, a TLS
// key's data — wherever they sit in the configuration.

const secretName = /(key|keys|keydata|token|secret|password|authorization|credentials?)$/i;
/** Names that end like a secret's but are not one. */
const notSecret = /^(heartbeatSilentToken|apiKeySecretJsonKey|.*sessionKey)$/i;

/** Whether a setting of this name holds a secret (its value is never shown or logged). */
export function isSecretName(name: string): boolean {
  return secretName.test(name) && !notSecret.test(name);
}

/** Every non-empty string in `value` that sits under a secret's name (a list under one counts whole). */
export function namedSecretValues(value: unknown, name = ''): string[] {
  if (typeof value === 'string') return value && isSecretName(name) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => namedSecretValues(item, name));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => namedSecretValues(item, key));
  return [];
}
