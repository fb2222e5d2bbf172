import { addIsoDuration } from '../durations.js';
import { acceptHandover, assignCoordinator, setTovholder, startHandover } from './care-team.js';
import { revokeAllPlansOfPatient } from './death.js';
import type { Effect } from './effect.js';
import { recordConsent, recordGoals, recordStratum, reviewGoals } from './records.js';
import { recordOutcome, setCarePlanStatus, setEpisodeStatus } from './status.js';
import { recordQualityParameter } from './quality.js';
import { cancelOpenTasks, cancelTask, completeTask, createTask, requestCoordinator } from './tasks.js';

/*
 * Machine action → FHIR effect: the one table that gives the action catalogue of docs/WORKFLOW-MODEL.md its
 * meaning. Timers are recorded for the engine to store; everything else changes the working set.
 */

const scheduleTimer: Effect = async ({ timers, now }, { id, event, after }) => {
  timers.set(String(id), { event: String(event), due: addIsoDuration(now, String(after)) });
};
const cancelTimer: Effect = async ({ timers }, { id }) => {
  timers.set(String(id), null);
};

export const EFFECTS: Record<string, Effect> = {
  setCarePlanStatus,
  setEpisodeStatus,
  recordOutcome,
  createTask,
  completeTask,
  cancelTask,
  cancelOpenTasks,
  requestCoordinator,
  recordQualityParameter,
  recordConsent,
  recordGoals,
  reviewGoals,
  recordStratum,
  setTovholder,
  assignCoordinator,
  startHandover,
  acceptHandover,
  revokeAllPlansOfPatient,
  scheduleTimer,
  cancelTimer,
};
