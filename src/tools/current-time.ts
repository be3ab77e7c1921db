import { z } from 'zod';
import { defineTool, ToolError } from './tool.js';
import { machineTimeZone } from '../config/time-zone.js';

export const currentTimeTool = defineTool({
  name: 'current_time',
  description: 'The current date and time here, or in another IANA time zone (e.g. Europe/Paris).',
  input: z.object({ timezone: z.string().min(1).optional().describe("IANA time zone name; default: the machine's own") }).strict(),
  run({ timezone }) {
    const now = new Date();
    const zone = timezone ?? machineTimeZone();
    let local: string;
    try {
      local = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'long', timeZone: zone }).format(now);
    } catch {
      throw new ToolError(`unknown time zone "${zone}"; use an IANA name such as "Europe/Paris"`);
    }
    return Promise.resolve(JSON.stringify({ iso: now.toISOString(), timezone: zone, local }));
  },
});
