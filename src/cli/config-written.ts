/** What a command that changed clawflow.json says about the file it wrote. */
export function configWritten(result: { file: string; backup: string | null; commentsKept: boolean }): string {
  const previous = result.backup
    ? ` (the previous one is ${result.backup}${result.commentsKept ? '' : ', with the comments this rewrite could not keep'})`
    : '';
  return `Wrote ${result.file}${previous}.`;
}
