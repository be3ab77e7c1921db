import { createInterface, type Interface } from 'node:readline/promises';
import { Writable } from 'node:stream';

/**
 * Questions on the terminal (or lines piped in): an answer, a default when the line is empty, a choice among names,
 * and a secret that is not echoed on a terminal.
 */
export class Prompter {
  private readonly muted = { on: false };
  private readonly rl: Interface;
  /** Lines as they come, kept until asked for: piped answers arrive all at once. */
  private readonly lines: AsyncIterator<string>;

  constructor(
    private readonly input: NodeJS.ReadableStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stdout,
  ) {
    const muted = this.muted;
    const echo = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (!muted.on) output.write(chunk);
        done();
      },
    });
    this.rl = createInterface({ input, output: echo, terminal: (input as { isTTY?: boolean }).isTTY === true });
    this.lines = this.rl[Symbol.asyncIterator]();
  }

  /** The next line typed; an error when the input ends first (a script that answered too few questions). */
  private async line(): Promise<string> {
    const next = await this.lines.next();
    if (next.done) throw new Error('the input ended before every question was answered (pass the answers as flags with --non-interactive)');
    // Piped answers are not echoed: end the question's line as a terminal would.
    if ((this.input as { isTTY?: boolean }).isTTY !== true) this.output.write('\n');
    return next.value.trim();
  }

  async ask(question: string, fallback = ''): Promise<string> {
    this.output.write(`${question}${fallback ? ` [${fallback}]` : ''}: `);
    return (await this.line()) || fallback;
  }

  async choose<T extends string>(question: string, choices: readonly T[], fallback: T): Promise<T> {
    for (;;) {
      const answer = await this.ask(`${question} (${choices.join(' / ')})`, fallback);
      if ((choices as readonly string[]).includes(answer)) return answer as T;
      this.output.write(`Choose one of: ${choices.join(', ')}\n`);
    }
  }

  /** A secret: on a terminal the typed characters are not shown; `keep` (shown masked) stays when the line is empty. */
  async secret(question: string, keep?: string): Promise<string> {
    this.output.write(`${question}${keep ? ` [keep ${keep.slice(0, 4)}…]` : ''}: `);
    this.muted.on = (this.input as { isTTY?: boolean }).isTTY === true;
    try {
      return (await this.line()) || keep || '';
    } finally {
      // A terminal echoed nothing of the secret, not even its Enter.
      if (this.muted.on) this.output.write('\n');
      this.muted.on = false;
    }
  }

  close(): void {
    this.rl.close();
  }
}
