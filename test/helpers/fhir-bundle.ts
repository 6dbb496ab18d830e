import { randomUUID } from 'node:crypto';
import {
  EXTENSIONS,
  PSEUDONYM_SYSTEM,
  RECORD_REFERENCE_SYSTEM,
  SYSTEMS,
  UCUM,
  YOUTH_PERSPECTIVE_QUESTIONNAIRE,
} from '../../src/modules/fhir/fhir-systems';
import { randomPseudonym } from './records';

// The EHR side of the FHIR tests: one youth's care written once as a plan, then sent either as
// the REST ingest's NDJSON records or as a FHIR R4 transaction Bundle, the way an EHR's export
// would hold it (Patient, EpisodeOfCare, Encounter, Procedure, Observation, QuestionnaireResponse).

type Json = Record<string, unknown>;

export const YOUTH_PERSPECTIVE_ITEMS = [
  'space',
  'be_myself',
  'feel_safe',
  'decide_touch',
  'own_choices',
  'make_mistakes',
  'may_be_sexy',
  'ask_attention',
  'not_bored',
  'no_snitching',
] as const;

export interface CarePlan {
  trajectory: Json & { reference: string };
  placements: Array<Json & { reference: string }>;
  activities: Array<Json & { reference: string }>;
  measurements: Array<Json & { reference: string }>;
  questionnaire: { reference: string; date: string; answers: number[] };
}

const day = (offset: number) => new Date(Date.UTC(2024, 0, 15 + offset)).toISOString().slice(0, 10);

const ACTIVITY_ROTATION: Json[] = [
  { activityTypeCode: 'mentor_conversation', durationMinutes: 45, topics: ['safety', 'social_media'] },
  { activityTypeCode: 'group_session', durationMinutes: 90, domain: 'social_emotional' },
  { activityTypeCode: 'parent_contact', count: 2 },
  { activityTypeCode: 'treatment_plan_meeting', count: 1, parentsInvolved: true },
  { activityTypeCode: 'trauma_treatment_emdr', durationMinutes: 60 },
];

/**
 * One youth (her records' references start with `prefix`): an ended episode, two placements (closed, then open), twenty activities and forty
 * observations from three informants (youth, mentor, parent), and a youth-perspective questionnaire.
 */
export function carePlan(programmeCode: string, pseudonym = randomPseudonym(), prefix = ''): CarePlan {
  const trajectory = `${prefix}EPISODE-A`;
  const measurements: CarePlan['measurements'] = [];
  const informants = ['youth', 'mentor', 'parent'] as const;
  for (let index = 0; index < 40; index += 1) {
    const informant = informants[index % 3]!;
    const round = Math.floor(index / 3);
    measurements.push({
      reference: `${prefix}OBS-${informant}-${round}`,
      trajectoryReference: trajectory,
      instrumentCode: 'emotional_behavioural',
      informant,
      date: day(7 + round * 24),
      // Falling problem scores, a little differently per informant.
      value: Math.max(0, 32 - round * (informant === 'youth' ? 1 : 2)),
    });
  }
  return {
    trajectory: {
      reference: trajectory,
      subject: { pseudonym, birthYear: 2008, gender: 'girl', mildIntellectualDisability: 'no', priorYouthCare: 'yes' },
      programmeCode,
      startDate: day(0),
      endDate: day(330),
      endReason: 'completed',
      exploitationAtIntake: 'confirmed',
      researchConsent: 'granted',
    },
    placements: [
      {
        reference: `${prefix}PLACE-closed`,
        trajectoryReference: trajectory,
        setting: 'closed_residential',
        startDate: day(0),
        endDate: day(120),
      },
      {
        reference: `${prefix}PLACE-open`,
        trajectoryReference: trajectory,
        setting: 'open_residential',
        startDate: day(121),
        endDate: day(330),
      },
    ],
    activities: Array.from({ length: 20 }, (_, index) => ({
      reference: `${prefix}ACT-${index}`,
      trajectoryReference: trajectory,
      date: day(3 + index * 16),
      ...ACTIVITY_ROTATION[index % ACTIVITY_ROTATION.length],
    })),
    measurements,
    questionnaire: { reference: `${prefix}QR-intake`, date: day(20), answers: [4, 3, 2, 5, 3, 4, 2, 3, 1, 5] },
  };
}

/** The plan as the REST ingest's records (POST /api/v1/ingest). */
export function ndjsonRecords(plan: CarePlan): Json[] {
  return [
    { type: 'trajectory', ...plan.trajectory },
    ...plan.placements.map((record) => ({ type: 'placement', ...record })),
    ...plan.activities.map((record) => ({ type: 'care_activity', ...record })),
    ...plan.measurements.map((record) => ({ type: 'measurement', ...record })),
    ...plan.questionnaire.answers.map((value, index) => ({
      type: 'measurement',
      reference: `${plan.questionnaire.reference}:${YOUTH_PERSPECTIVE_ITEMS[index]}`,
      trajectoryReference: plan.trajectory.reference,
      instrumentCode: `youth_perspective_${YOUTH_PERSPECTIVE_ITEMS[index]}`,
      informant: 'youth',
      date: plan.questionnaire.date,
      value,
    })),
  ];
}

const urn = () => `urn:uuid:${randomUUID()}`;
const coding = (system: string, code: string) => ({ coding: [{ system, code }] });
const identifier = (value: string) => [{ system: RECORD_REFERENCE_SYSTEM, value }];
const entry = (fullUrl: string, resource: Json) => ({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });

/** The same plan as an EHR's FHIR R4 transaction Bundle. */
export function fhirBundle(plan: CarePlan, type: 'transaction' | 'batch' = 'transaction'): Json & { entry: Json[] } {
  const patient = urn();
  const episode = urn();
  const mentor = urn();
  const parent = urn();
  const subject = plan.trajectory.subject as Json;
  const episodeLink = { url: EXTENSIONS.episodeOfCare, valueReference: { reference: episode } };
  const performers: Record<string, string> = { youth: patient, mentor, parent };
  return {
    resourceType: 'Bundle',
    type,
    entry: [
      entry(patient, {
        resourceType: 'Patient',
        identifier: [{ system: PSEUDONYM_SYSTEM, value: subject.pseudonym }],
        birthDate: String(subject.birthYear),
        gender: 'female',
        extension: [
          { url: EXTENSIONS.mildIntellectualDisability, valueCode: subject.mildIntellectualDisability },
          { url: EXTENSIONS.priorYouthCare, valueCode: subject.priorYouthCare },
        ],
      }),
      entry(mentor, { resourceType: 'PractitionerRole', code: [coding(SYSTEMS.informant, 'mentor')] }),
      entry(parent, {
        resourceType: 'RelatedPerson',
        patient: { reference: patient },
        relationship: [coding(SYSTEMS.informant, 'parent')],
      }),
      entry(episode, {
        resourceType: 'EpisodeOfCare',
        identifier: identifier(plan.trajectory.reference),
        status: plan.trajectory.endDate ? 'finished' : 'active',
        type: [coding(SYSTEMS.programme, plan.trajectory.programmeCode as string)],
        patient: { reference: patient },
        period: { start: plan.trajectory.startDate, ...(plan.trajectory.endDate ? { end: plan.trajectory.endDate } : {}) },
        extension: [
          { url: EXTENSIONS.researchConsent, valueCode: plan.trajectory.researchConsent },
          { url: EXTENSIONS.exploitationAtIntake, valueCode: plan.trajectory.exploitationAtIntake },
          ...(plan.trajectory.endReason ? [{ url: EXTENSIONS.endReason, valueCode: plan.trajectory.endReason }] : []),
        ],
      }),
      ...plan.placements.map((placement) =>
        entry(urn(), {
          resourceType: 'Encounter',
          identifier: identifier(placement.reference),
          status: placement.endDate ? 'finished' : 'in-progress',
          class: {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
            code: placement.setting === 'ambulatory' ? 'AMB' : 'IMP',
          },
          type: [coding(SYSTEMS.setting, placement.setting as string)],
          subject: { reference: patient },
          episodeOfCare: [{ reference: episode }],
          period: { start: placement.startDate, ...(placement.endDate ? { end: placement.endDate } : {}) },
        }),
      ),
      ...plan.activities.map((activity) =>
        entry(urn(), {
          resourceType: 'Procedure',
          identifier: identifier(activity.reference),
          status: 'completed',
          code: coding(SYSTEMS.activityType, activity.activityTypeCode as string),
          ...(activity.domain ? { category: coding(SYSTEMS.domain, activity.domain as string) } : {}),
          subject: { reference: patient },
          performedDateTime: activity.date,
          extension: [
            episodeLink,
            ...(activity.count ? [{ url: EXTENSIONS.activityCount, valueInteger: activity.count }] : []),
            ...(activity.durationMinutes
              ? [
                  {
                    url: EXTENSIONS.activityDuration,
                    valueDuration: { value: activity.durationMinutes, unit: 'min', system: UCUM, code: 'min' },
                  },
                ]
              : []),
            ...(activity.parentsInvolved !== undefined
              ? [{ url: EXTENSIONS.parentsInvolved, valueBoolean: activity.parentsInvolved }]
              : []),
            ...((activity.topics as string[] | undefined) ?? []).map((topic) => ({ url: EXTENSIONS.mentorTopic, valueCode: topic })),
          ],
        }),
      ),
      ...plan.measurements.map((measurement) =>
        entry(urn(), {
          resourceType: 'Observation',
          identifier: identifier(measurement.reference),
          status: 'final',
          code: coding(SYSTEMS.instrument, measurement.instrumentCode as string),
          subject: { reference: patient },
          effectiveDateTime: measurement.date,
          valueInteger: measurement.value,
          performer: [{ reference: performers[measurement.informant as string] }],
          extension: [episodeLink],
        }),
      ),
      entry(urn(), {
        resourceType: 'QuestionnaireResponse',
        identifier: identifier(plan.questionnaire.reference)[0],
        questionnaire: YOUTH_PERSPECTIVE_QUESTIONNAIRE,
        status: 'completed',
        subject: { reference: patient },
        author: { reference: patient },
        authored: plan.questionnaire.date,
        extension: [episodeLink],
        item: plan.questionnaire.answers.map((value, index) => ({
          linkId: YOUTH_PERSPECTIVE_ITEMS[index],
          answer: [{ valueInteger: value }],
        })),
      }),
    ],
  };
}
