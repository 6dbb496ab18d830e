import { createSelectSchema } from 'drizzle-zod';
import { z } from 'zod';
import { careActivities, measurements, placements, programmes, subjects, trajectories } from '../../db/schema';
import { MENTOR_TOPICS } from '../../lib/vocabulary';

// The records as the institution API answers them. Each field's type comes from its column in the
// Drizzle tables (drizzle-zod): a column's type, nullability or allowed values are declared once,
// in the table, and the answer, the OpenAPI document and the repository's views follow. Only the
// answer's own names (`date`, `trajectoryReference`, `subject`) are written here.

const trajectory = createSelectSchema(trajectories).shape;
const subject = createSelectSchema(subjects).shape;
const placement = createSelectSchema(placements).shape;
// The column is typed MentorTopic[] in TypeScript only; the answer names the allowed values.
const activity = createSelectSchema(careActivities, { topics: z.array(z.enum(MENTOR_TOPICS)).nullable() }).shape;
const measurement = createSelectSchema(measurements).shape;

/**
 * The youth's attributes as the institution recorded them. Nullable in the table only for an
 * erased youth's tombstone, which no answer shows (check subjects_attributes_unless_erased).
 */
export const subjectViewSchema = z.object({
  birthYear: subject.birthYear.unwrap(),
  gender: subject.gender.unwrap(),
  mildIntellectualDisability: subject.mildIntellectualDisability.unwrap(),
  priorYouthCare: subject.priorYouthCare.unwrap(),
});

const placementFields = {
  reference: placement.reference,
  setting: placement.setting,
  startDate: placement.startDate,
  endDate: placement.endDate,
};

export const trajectoryViewSchema = z.object({
  reference: trajectory.reference,
  programmeCode: createSelectSchema(programmes).shape.code,
  startDate: trajectory.startDate,
  endDate: trajectory.endDate,
  endReason: trajectory.endReason,
  exploitationAtIntake: trajectory.exploitationAtIntake,
  researchConsent: trajectory.researchConsent,
  subject: subjectViewSchema,
  updatedAt: z.string(),
});

export const trajectoryDetailSchema = trajectoryViewSchema.extend({ placements: z.array(z.object(placementFields)) });

export const placementViewSchema = z.object({ ...placementFields, trajectoryReference: trajectory.reference });

export const careActivityViewSchema = z.object({
  reference: activity.reference,
  trajectoryReference: trajectory.reference,
  activityTypeCode: activity.activityTypeCode,
  date: activity.activityDate,
  count: activity.count,
  durationMinutes: activity.durationMinutes,
  domain: activity.domain,
  parentsInvolved: activity.parentsInvolved,
  topics: activity.topics,
});

export const measurementViewSchema = z.object({
  reference: measurement.reference,
  trajectoryReference: trajectory.reference,
  instrumentCode: measurement.instrumentCode,
  informant: measurement.informant,
  date: measurement.measuredOn,
  value: measurement.value,
});

export const writeStatusSchema = z.enum(['created', 'updated', 'unchanged']);

export type TrajectoryView = z.infer<typeof trajectoryViewSchema>;
export type TrajectoryDetail = z.infer<typeof trajectoryDetailSchema>;
export type PlacementView = z.infer<typeof placementViewSchema>;
export type CareActivityView = z.infer<typeof careActivityViewSchema>;
export type MeasurementView = z.infer<typeof measurementViewSchema>;

// Examples for the OpenAPI page.
const TRAJECTORY_EXAMPLE = {
  reference: 'EHR-2024-00042',
  programmeCode: 'vuurtorenhuis-baken',
  startDate: '2024-03-04',
  endDate: null,
  endReason: null,
  exploitationAtIntake: 'confirmed',
  researchConsent: 'granted',
  subject: { birthYear: 2009, gender: 'girl', mildIntellectualDisability: 'no', priorYouthCare: 'yes' },
  updatedAt: '2024-03-04T10:15:00.000Z',
};
export const EXAMPLES = {
  trajectory: {
    ...TRAJECTORY_EXAMPLE,
    placements: [{ reference: 'EHR-P-1', setting: 'closed_residential', startDate: '2024-03-04', endDate: null }],
  },
  trajectoryList: { items: [TRAJECTORY_EXAMPLE], nextCursor: 'EHR-2024-00042' },
  placement: {
    reference: 'EHR-P-1',
    trajectoryReference: 'EHR-2024-00042',
    setting: 'closed_residential',
    startDate: '2024-03-04',
    endDate: null,
  },
  careActivity: {
    reference: 'EHR-A-1',
    trajectoryReference: 'EHR-2024-00042',
    activityTypeCode: 'mentor_conversation',
    date: '2024-03-11',
    count: null,
    durationMinutes: 60,
    domain: null,
    parentsInvolved: null,
    topics: ['safety'],
  },
  measurement: {
    reference: 'EHR-M-1',
    trajectoryReference: 'EHR-2024-00042',
    instrumentCode: 'trauma_symptoms',
    informant: 'youth',
    date: '2024-03-11',
    value: 31,
  },
};
