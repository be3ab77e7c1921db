import { fetchWithin } from '../../http/deadline.js';
import type { ClawflowConfig } from '../../config/load.js';

/** Turns a voice note or audio file into text. */
export type Transcriber = (audio: Buffer, fileName: string, mimeType: string, signal?: AbortSignal) => Promise<string>;

/**
 * An OpenAI-compatible speech-to-text endpoint (`POST <baseUrl>/audio/transcriptions`, multipart `file` and
 * `model`, answered `{"text"}`): OpenAI, Groq, whisper.cpp's and faster-whisper's servers speak it. Null when none is
 * configured.
 */
export function transcriberFrom(config: ClawflowConfig['media']['transcription']): Transcriber | null {
  const { baseUrl, apiKey, model } = config;
  if (!baseUrl) return null;
  const url = `${baseUrl.replace(/\/+$/, '')}/audio/transcriptions`;
  return async (audio, fileName, mimeType, signal) => {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(audio)], { type: mimeType }), fileName);
    form.set('model', model);
    form.set('response_format', 'json');
    return fetchWithin(url, { method: 'POST', body: form, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} }, 120_000, signal, async (response) => {
      if (!response.ok)
        throw new Error(`the transcription endpoint answered HTTP ${response.status}: ${(await response.text().catch(() => '')).slice(0, 200)}`);
      const body = (await response.json()) as { text?: unknown };
      if (typeof body.text !== 'string') throw new Error('the transcription endpoint answered without a text');
      return body.text.trim();
    });
  };
}
