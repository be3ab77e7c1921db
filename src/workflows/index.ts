export { SessionWorkflow } from './session-workflow.js';
