// What a warm turn sends the model: `clawflow start` against the instant model, one conversation of a few turns with
// the default tools, and the last model request taken apart — bytes in all, the system prompt, each tool's schema,
// the conversation.
//   npm run bench:request
import { parseArgs } from 'node:util';
import { chatTurn, envFromOptions, instantModel, startLocalStack } from './local-stack.js';

const { values } = parseArgs({ options: { turns: { type: 'string', default: '3' }, env: { type: 'string', multiple: true } } });
const stack = await startLocalStack(envFromOptions(values.env));
try {
  const user = `request-size-${Date.now().toString(36)}`;
  for (let i = 0; i < Number(values.turns); i++) {
    await chatTurn(stack.baseUrl, stack.apiKey, { model: 'clawflow', user, messages: [{ role: 'user', content: `What is on my list for today? (${i})` }] });
  }
  const request = JSON.parse(instantModel.lastRequest.toString('utf8')) as {
    messages: Array<{ role: string; content?: unknown }>;
    tools?: Array<{ function: { name: string } }>;
  };
  const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value ?? null));
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
  const system = request.messages.filter((m) => m.role === 'system');
  const conversation = request.messages.filter((m) => m.role !== 'system');
  const tools = (request.tools ?? []).map((tool) => ({ name: tool.function.name, bytes: bytes(tool) })).sort((a, b) => b.bytes - a.bytes);
  console.log(
    `A warm turn's model request (turn ${values.turns} of one conversation, default tools): ${kb(instantModel.lastRequest.length)} (${instantModel.lastRequest.length} bytes)`,
  );
  console.log(`  system prompt   ${kb(bytes(system))}`);
  console.log(`  tools           ${kb(bytes(request.tools))} (${tools.length}: ${tools.map((t) => `${t.name} ${t.bytes}`).join(', ')})`);
  console.log(`  conversation    ${kb(bytes(conversation))} (${conversation.length} messages)`);
} finally {
  await stack.stop();
}
