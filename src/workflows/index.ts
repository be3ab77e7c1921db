export { SessionWorkflow } from './session-workflow.js';
export { ScheduledTurnWorkflow } from './scheduled-turn-workflow.js';
