import type { MatrixClient } from 'matrix-js-sdk';
import { downloadFile, mediaKind, safeExtension } from '../../connectors/inbound/media-download.js';
import { type InboundMedia } from '../../contracts/channel-adapter.js';
import type { MessageContent } from './wire.js';

/** An image, a file, a recording or a video, fetched (authenticated media) only once the sender was admitted. */
export function matrixMedia(client: MatrixClient, accessToken: string, content: MessageContent): InboundMedia[] {
  if (!['m.image', 'm.file', 'm.audio', 'm.video'].includes(content.msgtype) || !content.url?.startsWith('mxc://')) return [];
  const mimeType = content.info?.mimetype ?? 'application/octet-stream';
  const fileName = content.filename ?? content.body;
  const kind = content.msgtype === 'm.image' ? 'image' : mediaKind(mimeType, 'org.matrix.msc3245.voice' in content);
  const url = client.mxcUrlToHttp(content.url, undefined, undefined, undefined, false, true, true);
  return [
    {
      kind,
      extension: safeExtension(fileName, mimeType),
      mimeType,
      ...(fileName ? { fileName } : {}),
      ...(content.info?.size !== undefined ? { size: content.info.size } : {}),
      download: async () => {
        if (!url) throw new Error(`not a media address: ${content.url}`);
        return downloadFile(url, { authorization: `Bearer ${accessToken}` });
      },
    },
  ];
}
