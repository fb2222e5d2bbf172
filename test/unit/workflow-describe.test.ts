import { describe, expect, it } from 'vitest';
import { courseOfCare, machineId } from '../../workflows/course-of-care.js';
import { describeMachine, toMermaid } from '../../workflows/describe.js';
import { eventSchemas } from '../../workflows/events.js';

describe('describeMachine / toMermaid', () => {
  const d = describeMachine(courseOfCare);
  it('lists states, events and guarded transitions of the machine', () => {
    expect(d.id).toBe(machineId);
    expect(d.states.map((s) => s.id)).toEqual(expect.arrayContaining(['course-of-care.referral', 'course-of-care.enrolled.active.course.sessions', 'course-of-care.deceased']));
    expect(d.states.find((s) => s.id === 'course-of-care.enrolled.active')?.type).toBe('parallel');
    expect(d.transitions).toContainEqual(expect.objectContaining({ source: 'course-of-care.referral', event: 'SCREENED', targets: ['course-of-care.awaitingConsent'], guard: 'eligible' }));
  });
  it('knows exactly the events that eventSchemas documents', () => {
    expect(d.events).toEqual(Object.keys(eventSchemas).sort());
  });
  it('renders Mermaid stateDiagram-v2 text', () => {
    const m = toMermaid(courseOfCare);
    expect(m.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(m).toContain('course_of_care_referral --> course_of_care_ineligible: SCREENED');
    expect(m).toContain('course_of_care_ineligible --> [*]');
  });
});
