import type { StatusLevel } from '../../db/schema';
import {
  type ActivityUnit,
  type CoreElement,
  type Domain,
  type FrequencyPeriod,
  type Informant,
  type InstrumentKind,
  type Setting,
  YOUTH_PERSPECTIVE_PREFIX,
} from '../../lib/vocabulary';

// Reference data loaded into every database: the catalogues the ingest rules and the N=1
// statistics need, and the six participating institutions with their eight programmes.
// Institutions and programmes are fictional; the psychometric values are illustrative
// (see `psychometricSource`) and must be replaced by the manuals' values in a deployment.

export interface ActivityTypeSeed {
  code: string;
  name: string;
  domain: Domain | null;
  unit: ActivityUnit;
  coreElement: CoreElement | null;
}

export const ACTIVITY_TYPES: ActivityTypeSeed[] = [
  { code: 'diagnostics', name: 'Diagnostics', domain: null, unit: 'count', coreElement: 'diagnostics_safety' },
  { code: 'safety_analysis', name: 'Safety analysis', domain: 'exploitation_resilience', unit: 'count', coreElement: 'diagnostics_safety' },
  { code: 'treatment_plan_meeting', name: 'Treatment-plan meeting', domain: null, unit: 'count', coreElement: null },
  {
    code: 'mentor_conversation',
    name: 'Individual mentor conversation',
    domain: 'exploitation_resilience',
    unit: 'minutes',
    coreElement: 'mentor_conversations',
  },
  {
    code: 'group_session',
    name: 'Group session on the living group',
    domain: 'social_emotional',
    unit: 'minutes',
    coreElement: 'living_climate',
  },
  { code: 'psycho_education', name: 'Psycho-education (youth)', domain: 'exploitation_resilience', unit: 'minutes', coreElement: null },
  { code: 'trauma_treatment_emdr', name: 'Trauma treatment: EMDR', domain: 'social_emotional', unit: 'minutes', coreElement: null },
  { code: 'trauma_treatment_tfcbt', name: 'Trauma treatment: TF-CBT', domain: 'social_emotional', unit: 'minutes', coreElement: null },
  { code: 'family_therapy', name: 'Family therapy', domain: 'family_network', unit: 'minutes', coreElement: null },
  { code: 'parent_psycho_education', name: 'Psycho-education for parents', domain: 'family_network', unit: 'minutes', coreElement: null },
  { code: 'parent_contact', name: 'Contact with parents', domain: 'family_network', unit: 'count', coreElement: null },
  { code: 'network_activity', name: 'Network activity', domain: 'family_network', unit: 'count', coreElement: null },
  { code: 'participation_school', name: 'Participation: school', domain: 'participation', unit: 'count', coreElement: null },
  { code: 'participation_work', name: 'Participation: work or internship', domain: 'participation', unit: 'count', coreElement: null },
  { code: 'participation_leisure', name: 'Participation: leisure activity', domain: 'participation', unit: 'count', coreElement: null },
  {
    code: 'phone_restriction',
    name: 'Phone or social-media restriction',
    domain: 'exploitation_resilience',
    unit: 'count',
    coreElement: null,
  },
  {
    code: 'experience_expert',
    name: 'Involvement of an experience expert',
    domain: 'exploitation_resilience',
    unit: 'count',
    coreElement: null,
  },
];

export interface InstrumentSeed {
  code: string;
  name: string;
  kind: InstrumentKind;
  domain: Domain | null;
  questionnaire: string | null;
  minValue: number;
  maxValue: number;
  higherIsBetter: boolean;
  clinicalCutoff: number | null;
  normSd: number | null;
  reliability: number | null;
  psychometricSource: string;
  levels: StatusLevel[] | null;
  informants: Informant[];
}

const ILLUSTRATIVE =
  'Illustrative values for the synthetic registry (not from a published manual); replace with the norm tables of the instrument used.';
const CODED_STATUS = 'Coded status; no psychometric values apply.';

const score = (
  code: string,
  name: string,
  domain: Domain | null,
  range: [number, number],
  higherIsBetter: boolean,
  clinicalCutoff: number | null,
  normSd: number | null,
  reliability: number | null,
  informants: Informant[],
  questionnaire: string | null = null,
): InstrumentSeed => ({
  code,
  name,
  kind: 'score',
  domain,
  questionnaire,
  minValue: range[0],
  maxValue: range[1],
  higherIsBetter,
  clinicalCutoff,
  normSd,
  reliability,
  psychometricSource: ILLUSTRATIVE,
  levels: null,
  informants,
});

const YOUTH_PERSPECTIVE_ITEMS: Array<[string, string]> = [
  ['space', 'I get space'],
  ['be_myself', 'I can be myself'],
  ['feel_safe', 'I feel safe'],
  ['decide_touch', 'I decide who touches me'],
  ['own_choices', 'I make my own choices'],
  ['make_mistakes', 'I may make mistakes'],
  ['may_be_sexy', 'I may be sexy'],
  ['ask_attention', 'I can ask for attention'],
  ['not_bored', 'I am not bored'],
  ['no_snitching', "I don't snitch"],
];

export const INSTRUMENTS: InstrumentSeed[] = [
  // Domain 1: exploitation and resilience.
  score('resilience', 'Resilience scale, total', 'exploitation_resilience', [0, 100], true, 50, 15, 0.85, ['youth', 'mentor', 'clinician']),
  score('healthy_relationships', 'Healthy relationships scale, total', 'exploitation_resilience', [0, 40], true, 20, 7, 0.8, [
    'youth',
    'mentor',
  ]),
  {
    code: 'exploitation_status',
    name: 'Exploitation status',
    kind: 'status',
    domain: 'exploitation_resilience',
    questionnaire: null,
    minValue: 0,
    maxValue: 9,
    higherIsBetter: true,
    clinicalCutoff: null,
    normSd: null,
    reliability: null,
    psychometricSource: CODED_STATUS,
    levels: [
      { value: 0, label: 'ongoing', rank: 0 },
      { value: 1, label: 'stopped', rank: 1 },
      { value: 9, label: 'unknown', rank: null },
    ],
    informants: ['youth', 'mentor', 'clinician'],
  },
  // Domain 2: social-emotional problems (higher is worse on these problem scales).
  score('trauma_symptoms', 'Trauma symptom checklist, total', 'social_emotional', [0, 60], false, 25, 10, 0.9, ['youth', 'clinician']),
  score('emotional_behavioural', 'Emotional and behavioural problems, total', 'social_emotional', [0, 40], false, 17, 6, 0.82, [
    'youth',
    'parent',
    'mentor',
    'teacher',
  ]),
  score('self_image', 'Self-image scale, total', 'social_emotional', [0, 30], true, 15, 5, 0.8, ['youth']),
  // Domain 3: family and network.
  score('family_functioning', 'Family functioning problems, total', 'family_network', [0, 48], false, 24, 8, 0.86, [
    'youth',
    'parent',
    'clinician',
  ]),
  score('network_support', 'Perceived network support, total', 'family_network', [0, 30], true, 12, 6, 0.78, ['youth', 'mentor']),
  // Domain 4: participation in society.
  score('participation', 'Participation and daytime activities, total', 'participation', [0, 40], true, 20, 8, 0.8, [
    'youth',
    'mentor',
    'teacher',
  ]),
  {
    code: 'school_work_attendance',
    name: 'School or work attendance',
    kind: 'status',
    domain: 'participation',
    questionnaire: null,
    minValue: 0,
    maxValue: 2,
    higherIsBetter: true,
    clinicalCutoff: null,
    normSd: null,
    reliability: null,
    psychometricSource: CODED_STATUS,
    levels: [
      { value: 0, label: 'none', rank: 0 },
      { value: 1, label: 'partial', rank: 1 },
      { value: 2, label: 'full', rank: 2 },
    ],
    informants: ['youth', 'mentor', 'teacher'],
  },
  // The living climate on the group (core element 2).
  score('group_climate', 'Group climate rating', null, [1, 10], true, 5.5, 1.5, 0.75, ['youth', 'mentor']),
  // The youth's own perspective: the ten points for good care, each rated 1 (not at all) to 5 (fully).
  ...YOUTH_PERSPECTIVE_ITEMS.map(([item, text]) =>
    score(
      `${YOUTH_PERSPECTIVE_PREFIX}${item}`,
      `Youth perspective: ${text}`,
      null,
      [1, 5],
      true,
      null,
      null,
      null,
      ['youth'],
      'youth_perspective',
    ),
  ),
];

export interface OfferItemSeed {
  activityTypeCode: string;
  expectedCount: number;
  period: FrequencyPeriod;
  coreElement: CoreElement | null;
}

export interface ProgrammeSeed {
  code: string;
  name: string;
  settings: Setting[];
  description: string;
  offer: OfferItemSeed[];
}

export interface InstitutionSeed {
  code: string;
  name: string;
  programmes: ProgrammeSeed[];
}

/** The three core elements every programme delivers, at a programme-specific frequency. */
const coreOffer = (mentorPerWeek: number, groupSessionsPerWeek: number): OfferItemSeed[] => [
  { activityTypeCode: 'diagnostics', expectedCount: 1, period: 'trajectory', coreElement: 'diagnostics_safety' },
  { activityTypeCode: 'safety_analysis', expectedCount: 1, period: 'trajectory', coreElement: 'diagnostics_safety' },
  { activityTypeCode: 'mentor_conversation', expectedCount: mentorPerWeek, period: 'week', coreElement: 'mentor_conversations' },
  ...(groupSessionsPerWeek > 0
    ? [
        {
          activityTypeCode: 'group_session',
          expectedCount: groupSessionsPerWeek,
          period: 'week' as const,
          coreElement: 'living_climate' as const,
        },
      ]
    : []),
  { activityTypeCode: 'treatment_plan_meeting', expectedCount: 1, period: 'quarter', coreElement: null },
];

const item = (activityTypeCode: string, expectedCount: number, period: FrequencyPeriod): OfferItemSeed => ({
  activityTypeCode,
  expectedCount,
  period,
  coreElement: null,
});

export const INSTITUTIONS: InstitutionSeed[] = [
  {
    code: 'vuurtorenhuis',
    name: 'Vuurtorenhuis Jeugdzorg (fictional)',
    programmes: [
      {
        code: 'vuurtorenhuis-baken',
        name: 'Baken',
        settings: ['closed_residential', 'open_residential'],
        description: 'Closed admission followed by an open group, with trauma treatment.',
        offer: [
          ...coreOffer(1, 2),
          item('trauma_treatment_emdr', 1, 'week'),
          item('parent_contact', 2, 'month'),
          item('psycho_education', 1, 'month'),
        ],
      },
      {
        code: 'vuurtorenhuis-koers',
        name: 'Koers ambulant',
        settings: ['ambulatory'],
        description: 'Ambulatory follow-up at home, with family work.',
        offer: [...coreOffer(1, 0), item('family_therapy', 2, 'month'), item('participation_school', 4, 'month')],
      },
    ],
  },
  {
    code: 'ankerplaats',
    name: 'Meidenhuis Ankerplaats (fictional)',
    programmes: [
      {
        code: 'ankerplaats-anker',
        name: 'Anker',
        settings: ['open_residential'],
        description: 'Open residential group with experience experts.',
        offer: [...coreOffer(1, 1), item('experience_expert', 1, 'month'), item('parent_psycho_education', 1, 'month')],
      },
    ],
  },
  {
    code: 'lindehof',
    name: 'Jeugdzorg Lindehof (fictional)',
    programmes: [
      {
        code: 'lindehof-beschermd',
        name: 'Beschermd Verder',
        settings: ['closed_residential', 'open_residential'],
        description: 'Closed protective stay, then an open group.',
        offer: [
          ...coreOffer(2, 2),
          item('trauma_treatment_tfcbt', 1, 'week'),
          item('phone_restriction', 1, 'trajectory'),
          item('parent_contact', 2, 'month'),
        ],
      },
    ],
  },
  {
    code: 'wilgenstroom',
    name: 'De Wilgenstroom (fictional)',
    programmes: [
      {
        code: 'wilgenstroom-kleine-wilg',
        name: 'Kleine Wilg',
        settings: ['small_scale_residential'],
        description: 'Small-scale living with six places and a family-style team.',
        offer: [...coreOffer(1, 1), item('network_activity', 1, 'month'), item('participation_leisure', 2, 'month')],
      },
    ],
  },
  {
    code: 'kompasroos',
    name: 'Kompasroos Jeugdhulp (fictional)',
    programmes: [
      {
        code: 'kompasroos-kompas',
        name: 'Kompas',
        settings: ['open_residential', 'small_scale_residential'],
        description: 'Open group moving on to small-scale living.',
        offer: [...coreOffer(1, 1), item('family_therapy', 1, 'month'), item('participation_school', 4, 'month')],
      },
      {
        code: 'kompasroos-thuis',
        name: 'Kompas Thuis',
        settings: ['ambulatory'],
        description: 'Ambulatory programme for youth living at home.',
        offer: [...coreOffer(1, 0), item('parent_psycho_education', 1, 'month'), item('participation_work', 2, 'month')],
      },
    ],
  },
  {
    code: 'zeehaven',
    name: 'Zeehaven Jeugdzorg (fictional)',
    programmes: [
      {
        code: 'zeehaven-haven',
        name: 'Haven',
        settings: ['closed_residential', 'open_residential'],
        description: 'Closed group, then open group, with EMDR and family therapy.',
        offer: [...coreOffer(1, 2), item('trauma_treatment_emdr', 1, 'week'), item('family_therapy', 1, 'month')],
      },
    ],
  },
];
