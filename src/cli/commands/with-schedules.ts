// What the cron and heartbeat commands share: a schedule client for one command, and the time zone to read times in.
import { defaultAgentId, requireAgent } from '../../config/agents.js';
import { loadConfig, type ClawflowConfig } from '../../config/load.js';
import { scheduleTimeZone } from '../../config/time-zone.js';

type ScheduleClientModule = typeof import('../../schedules/schedule-client.js');

/** Runs `work` with a schedule client, closing the connection after. */
export async function withSchedules<T>(
  work: (schedules: InstanceType<ScheduleClientModule['ScheduleClient']>, config: ClawflowConfig, mod: ScheduleClientModule) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const [mod, { withClient }] = await Promise.all([import('../../schedules/schedule-client.js'), import('../../temporal/connection.js')]);
  try {
    return await withClient(config, (client) => work(new mod.ScheduleClient(client, config), config, mod));
  } catch (error) {
    if (error instanceof mod.ScheduleNotFoundError) throw new Error(`no such job: ${error.message.replace(/^.*?: /, '')} (clawflow cron list shows them)`);
    throw error;
  }
}

export const zoneOf = (config: ClawflowConfig, option?: string): string => option ?? scheduleTimeZone(config);

/** The agent an --agent option names (one this install has), or the default agent. */
export function agentOption(config: ClawflowConfig, option?: string): string {
  return option ? requireAgent(config, option) : defaultAgentId(config);
}
