import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { untrustedContentRule } from '../contracts/untrusted.js';

/** The day's note file, as OpenClaw names it: memory/YYYY-MM-DD.md (local date). */
export function dailyNotePath(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return join('memory', `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}.md`);
}

const starterFiles: Record<string, string> = {
  'AGENTS.md': `# AGENTS.md — how you work

- You are a personal assistant reached through chat apps. Be concise: this is a chat, not a report.
- Your workspace is this directory. Your tools (read, write, edit, exec, browser, memory_search) work inside it.
- You wake up fresh every turn: this file, SOUL.md, USER.md, MEMORY.md and the last two daily notes are all you
  remember besides the recent conversation. If something matters later, write it down:
  - lasting facts about the user, decisions, preferences → MEMORY.md (edit it; keep it short and current);
  - what happened today → memory/YYYY-MM-DD.md.
- Search older notes with memory_search before saying you do not know.
- Ask before doing anything destructive or anything that leaves this machine.
`,
  'SOUL.md': `# SOUL.md — who you are

Helpful, direct and warm. You have opinions and share them when asked. You admit what you do not know.
`,
  'USER.md': `# USER.md — about the user

- Name:
- Time zone:
- Preferences:
`,
  'MEMORY.md': `# MEMORY.md — long-term memory

(Facts worth remembering across conversations. Keep entries short; remove what is no longer true.)
`,
  'HEARTBEAT.md': `# HEARTBEAT.md — what to check on a heartbeat

(Empty: heartbeats have nothing to do. Add short checklist items to give them work.)
`,
};

/** Creates the workspace with starter files; never overwrites what the user already has (bring your own). */
export function ensureWorkspace(dir: string, now = new Date()): void {
  mkdirSync(join(dir, 'memory'), { recursive: true });
  const files = { ...starterFiles, [dailyNotePath(now)]: `# ${dailyNotePath(now).slice('memory/'.length, -3)}\n\n` };
  for (const [name, content] of Object.entries(files)) {
    try {
      writeFileSync(join(dir, name), content, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

const promptFiles = ['AGENTS.md', 'SOUL.md', 'IDENTITY.md', 'USER.md', 'MEMORY.md'];

async function readIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The system prompt from the workspace files and the last two daily notes, within `maxChars`. Each file gets an
 * equal share of what is left; a file cut short says so, so the agent knows to read the rest.
 */
export async function buildSystemPrompt(dir: string, maxChars: number, now = new Date()): Promise<string> {
  const yesterday = new Date(now.getTime() - 86_400_000);
  const names = [...promptFiles, dailyNotePath(yesterday), dailyNotePath(now)];
  const found = (await Promise.all(names.map(async (name) => ({ name, text: await readIfPresent(join(dir, name)) })))).filter(
    (f): f is { name: string; text: string } => f.text !== null && f.text.trim() !== '',
  );
  const intro = `You are ClawFlow, a personal AI agent. The user's workspace files follow; they are your memory and instructions. Today is ${now.toDateString()}.\n\n${untrustedContentRule}`;
  const sections: string[] = [intro];
  let budget = maxChars - intro.length;
  found.forEach((file, index) => {
    const share = Math.floor(budget / (found.length - index));
    const header = `\n\n## ${file.name}\n\n`;
    let body = file.text.trim();
    if (header.length + body.length > share) {
      const keep = Math.max(0, share - header.length - 120);
      body = `${body.slice(0, keep)}\n\n[… ${body.length - keep} more characters of ${file.name} not shown; read the file for the rest]`;
    }
    sections.push(header + body);
    budget -= header.length + body.length;
  });
  return sections.join('');
}
