/** Progress lines for slow steps: what is happening, then how it ended and how long it took. */
export async function step<T>(title: string, run: (note: (message: string) => void) => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stdout.write(`… ${title}\n`);
  const note = (message: string): void => void process.stdout.write(`  ${message}\n`);
  try {
    const result = await run(note);
    process.stdout.write(`✓ ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    return result;
  } catch (error) {
    process.stdout.write(`✗ ${title}\n`);
    throw error;
  }
}

/** Something the person starting ClawFlow should know, among the progress lines. */
export function warn(message: string): void {
  process.stdout.write(`! ${message}\n`);
}
