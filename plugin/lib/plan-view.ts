/**
 * A data-moving plan on the terminal: its wording moved to plugin/messages.ts
 * with the rest of the plugin's text (issue 10, item 6). Kept for the commands
 * still being written against this path; import from plugin/messages.ts.
 */
export { renderDiskCheck, renderMovePlan } from '../messages.js';
