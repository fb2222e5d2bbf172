/*
 * Steps every course machine takes the same way, as plain action lists and state configs (static params only,
 * so they fit any machine's setup): consent given, a course that never started, and the pause/resume region.
 */

export const CONSENT_GIVEN_ACTIONS = [
  { type: 'recordConsent' as const, params: {} },
  { type: 'completeTask' as const, params: { code: 'consent' } },
  { type: 'setCarePlanStatus' as const, params: { status: 'active' } },
  { type: 'setEpisodeStatus' as const, params: { status: 'active' } },
];

/** A course that never started: the draft plan is revoked and the planned episode cancelled. */
export const NOT_STARTED_ACTIONS = [
  { type: 'setCarePlanStatus' as const, params: { status: 'revoked' } },
  { type: 'setEpisodeStatus' as const, params: { status: 'cancelled' } },
];

/** PAUSE/RESUME only flip this region, so the course keeps its step and no entry action re-fires. */
export const HOLD_REGION = {
  initial: 'running' as const,
  states: {
    running: { on: { PAUSE: { target: 'paused' as const, actions: { type: 'setCarePlanStatus' as const, params: { status: 'on-hold' } } } } },
    paused: { on: { RESUME: { target: 'running' as const, actions: { type: 'setCarePlanStatus' as const, params: { status: 'active' } } } } },
  },
};
