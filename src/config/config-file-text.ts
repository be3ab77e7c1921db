import { isDeepStrictEqual } from 'node:util';
import { JsonLexer, JsonObjectNode, JsonParser, JsonTokenType } from '@croct/json5-parser';
import JSON5 from 'json5';

/** A configuration file's object as written, before the schema reads it. */
export type RawObject = Record<string, unknown>;

/**
 * The clawflow.json a first start (or the first `clawflow onboard`) writes: what each section is for and commented
 * examples, and no values: a default left unwritten follows the README (ports included), and the environment still wins.
 */
export const starterConfigText = `// ClawFlow's configuration: JSON5, so comments and trailing commas are fine. Every key, its default and the
// environment variable that overrides it: README, Configuration. \`clawflow config\` shows the effective values.
// A change takes effect at the next start (Ctrl-C, then npm start: sessions are kept). \`clawflow onboard\` edits this
// file and keeps its comments. Once it holds a key or a token it is a secret: readable by you alone (0600).
{
  // The model the agent thinks with (README: Models). Without one the built-in echo provider answers;
  // name: "demo" is a built-in model that shows tools, approvals and memory.
  model: {
    // provider: "openai-compatible",           // or "anthropic", "bedrock"
    // baseUrl: "http://127.0.0.1:11434/v1",    // Ollama here; https://api.openai.com/v1 for OpenAI
    // name: "llama3.2",
    // apiKey: "...",                          // or CLAWFLOW_MODEL_API_KEY in the environment
  },
  // Where people reach the agent (README: Channels). WebChat is on by default: npm start prints its link.
  // Strangers on Telegram ask to pair: clawflow pairing list / approve.
  channels: {
    // webchat: { enabled: false },
    // telegram: { botToken: "123456:ABC-..." }, // from @BotFather; or CLAWFLOW_TELEGRAM_BOT_TOKEN
  },
  // What the agent may do on this machine. exec.policy: "ask" (you approve each new command, the default),
  // "allowlist", "full", "deny".
  tools: {
    // exec: { policy: "ask" },
  },
  // Where every session is kept. Unset: npm start runs Temporal's dev server on 127.0.0.1.
  temporal: {
    // address: "127.0.0.1:7233",               // an existing Temporal server instead
    // port: 7233,                              // the dev server's gRPC port (uiPort: 8233, its Web UI)
  },
}
`;

/**
 * \`text\` (a clawflow.json) changed to hold \`raw\`, its comments, order and layout kept. \`commentsKept\` is false when a
 * comment was lost: one inside a value replaced whole, or the text could not be edited in place (a JSON5 form the
 * editor does not read) and was written afresh as plain JSON.
 */
export function editConfigText(text: string, raw: RawObject): { text: string; commentsKept: boolean } {
  const afresh = { text: `${JSON.stringify(raw, null, 2)}\n`, commentsKept: false };
  let edited: string;
  try {
    const document = JsonParser.parse(text, JsonObjectNode);
    reconcile(document, raw);
    edited = document.toString();
  } catch {
    return afresh;
  }
  // The edit must say exactly what was asked: anything else (an editor slip) is written afresh instead.
  let reread: unknown;
  try {
    reread = JSON5.parse(edited);
  } catch {
    return afresh;
  }
  if (!isDeepStrictEqual(reread, raw)) return afresh;
  const left = commentsOf(edited);
  return { text: edited.endsWith('\n') ? edited : `${edited}\n`, commentsKept: commentsOf(text).every((comment) => left.includes(comment)) };
}

const isPlainObject = (value: unknown): value is RawObject => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Changes only what differs, object by object; a changed array or value is replaced whole. */
function reconcile(node: JsonObjectNode, wanted: RawObject): void {
  const present = node.toJSON() as RawObject;
  for (const key of Object.keys(present)) if (!(key in wanted)) node.delete(key);
  for (const [key, value] of Object.entries(wanted)) {
    if (value === undefined || isDeepStrictEqual(present[key], value)) continue;
    const child = key in present ? node.get(key) : null;
    if (child instanceof JsonObjectNode && isPlainObject(value)) reconcile(child, value);
    else node.set(key, value as Parameters<JsonObjectNode['set']>[1]);
  }
}

function commentsOf(text: string): string[] {
  return JsonLexer.tokenize(text)
    .filter((token) => token.type === JsonTokenType.LINE_COMMENT || token.type === JsonTokenType.BLOCK_COMMENT)
    .map((token) => token.value);
}
