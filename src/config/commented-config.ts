import type { RawObject } from './load.js';

/** What each top-level section of clawflow.json is for, written above it by `clawflow onboard`. */
const sectionNotes: Record<string, string[]> = {
  model: ['The model the agent thinks with. README: Models. CLAWFLOW_MODEL_* variables override these.'],
  channels: ['Where people reach the agent. README: Channels. Strangers on Telegram ask to pair: clawflow pairing list / approve.'],
  tools: ['What the agent may do on this machine. exec.policy: "ask" (you approve each new command), "allowlist", "full", "deny".'],
};

/**
 * clawflow.json (JSON5) with a header and a note above each section onboard sets: the file a person opens next should
 * say what it holds. Any later `clawflow agents add` rewrites it as plain JSON.
 */
export function renderCommentedConfig(raw: RawObject, written: Date): string {
  const body = JSON.stringify(raw, null, 2).split('\n');
  const lines = [
    `// ClawFlow's configuration, written by \`clawflow onboard\` on ${written.toISOString().slice(0, 10)}: JSON5, so comments are fine.`,
    '// Every key and its environment variable: README, Configuration. `clawflow config` shows the effective values.',
    '// Holds secrets (a model key, bot tokens): it is readable by you alone (0600); keep it out of version control.',
  ];
  for (const line of body) {
    const key = /^ {2}"([^"]+)": /.exec(line)?.[1];
    if (key && sectionNotes[key]) lines.push(...sectionNotes[key].map((note) => `  // ${note}`));
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}
