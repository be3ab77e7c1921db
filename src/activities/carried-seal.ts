import type { SealActivities } from '../contracts/activities.js';
import { sameSecret } from '../http/same-secret.js';
import { carriedSeal } from '../session-client/carried-seal.js';

/** The sessions worker's check of a seal (a local activity: the key never enters workflow history). */
export function createSealActivities(key: string): SealActivities {
  return {
    async checkCarriedSeal({ workflowId, carried, seal }) {
      return sameSecret(seal, carriedSeal(key, workflowId, carried));
    },
  };
}
