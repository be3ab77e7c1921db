import { extractText, getDocumentProxy } from 'unpdf';

/** Kinds whose bytes are text as they are. */
const textTypes = /^(text\/|application\/(json|xml|x-yaml|yaml|csv|javascript|x-sh|sql)\b)/i;

/**
 * The text of a document a user sent, for the agent: a PDF's (every page, through pdf.js), a text file's as it is.
 * Null for kinds with no text to take (images, office files, archives): the agent gets the file to work with.
 */
export async function documentText(bytes: Buffer, mimeType: string, fileName: string): Promise<{ text: string; pages?: number } | null> {
  if (mimeType === 'application/pdf' || /\.pdf$/i.test(fileName)) {
    const pdf = await getDocumentProxy(new Uint8Array(bytes));
    const { totalPages, text } = await extractText(pdf, { mergePages: true });
    return {
      text: text
        .replace(/[ \t]+\n/g, '\n')
        .replace(/\n{3,}/g, '\n\n')
        .trim(),
      pages: totalPages,
    };
  }
  if (textTypes.test(mimeType) || /\.(txt|md|csv|json|xml|ya?ml|log|ts|js|py|sh|sql|html?)$/i.test(fileName))
    return { text: new TextDecoder('utf-8').decode(bytes) };
  return null;
}
