import type { StoredCareActivity, StoredMeasurement, StoredPlacement } from '../../db/schema';
import { addDays, daysBetween, minDate } from '../../lib/dates';
import { createRandom, type Random } from '../../lib/random';
import { DOMAINS } from '../../lib/vocabulary';
import type {
  Domain,
  EndReason,
  ExploitationAtIntake,
  Gender,
  Informant,
  MentorTopic,
  ResearchConsent,
  YesNoUnknown,
} from '../../lib/vocabulary';
import { INSTITUTIONS, INSTRUMENTS, type InstrumentSeed, type OfferItemSeed, type ProgrammeSeed } from '../catalogue';

// A deterministic generator of synthetic care trajectories. Every youth gets a latent course
// per domain (improving, stable or worsening) and every informant reports on it with noise;
// some youths under-report their own problems at intake, the study's key signal, and some
// parents and mentors see less of the change than the youth does. The measurements follow
// routine outcome monitoring laid out as an A-B single-case design (see ROM below): a baseline
// of several observations per informant during intake and diagnostics, before the treatments
// of the programme start, so the N=1 indicators have two phases to compare. Nothing here is or
// resembles real data.

export interface SyntheticSubject {
  /** Stable seed for the subject's pseudonym; the same youth at two institutions shares it. */
  key: string;
  birthYear: number;
  gender: Gender;
  mildIntellectualDisability: YesNoUnknown;
  priorYouthCare: YesNoUnknown;
}

export interface SyntheticTrajectory {
  subject: SyntheticSubject;
  institutionCode: string;
  programmeCode: string;
  reference: string;
  startDate: string;
  endDate: string | null;
  endReason: EndReason | null;
  exploitationAtIntake: ExploitationAtIntake;
  researchConsent: ResearchConsent;
  /** The child records as their tables store them (their columns' types declared once, in the table). */
  placements: Array<Pick<StoredPlacement, 'reference' | 'setting' | 'startDate' | 'endDate'>>;
  activities: Array<
    Pick<StoredCareActivity, 'reference' | 'activityTypeCode' | 'activityDate' | 'count' | 'durationMinutes' | 'parentsInvolved' | 'topics'>
  >;
  measurements: Array<Pick<StoredMeasurement, 'reference' | 'instrumentCode' | 'informant' | 'measuredOn' | 'value'>>;
}

export interface GeneratorOptions {
  trajectories: number;
  seed?: number;
  /** The generator's "today": nothing is dated after it. */
  asOf: string;
  firstStart?: string;
  /**
   * Multiplies the days between repeated measurements (default 1: every two weeks in the
   * baseline and early treatment, every four weeks after; see ROM). The scale datasets use 5.
   */
  measurementSpacing?: number;
}

const PROGRAMMES = INSTITUTIONS.flatMap((institution) =>
  institution.programmes.map((programme) => ({ institutionCode: institution.code, programme })),
);
const INSTRUMENT_BY_CODE = new Map(INSTRUMENTS.map((instrument) => [instrument.code, instrument]));

/**
 * Series every trajectory gets: instrument and informants. `focus`: measured every two weeks
 * through the first weeks of treatment too (the social-emotional problems trauma treatment
 * targets); the others every four weeks once the baseline is in. Status instruments are coded
 * every four weeks throughout.
 */
const SERIES_PLAN: Array<{ instrument: string; informants: Informant[]; focus: boolean }> = [
  { instrument: 'resilience', informants: ['youth', 'mentor'], focus: false },
  { instrument: 'trauma_symptoms', informants: ['youth'], focus: true },
  { instrument: 'emotional_behavioural', informants: ['youth', 'parent', 'mentor'], focus: true },
  { instrument: 'family_functioning', informants: ['youth', 'parent'], focus: false },
  { instrument: 'participation', informants: ['youth', 'mentor'], focus: false },
  { instrument: 'exploitation_status', informants: ['mentor'], focus: false },
  { instrument: 'school_work_attendance', informants: ['mentor'], focus: false },
];

/**
 * Routine outcome monitoring (days). Intake, diagnostics and stabilisation take six to ten weeks
 * before treatment starts, measured every two weeks: four or five baseline observations per
 * informant, more than the three a non-overlap index needs (the What Works Clearinghouse
 * single-case design standards, Kratochwill et al. 2010, ask for at least three per phase and
 * five to meet them without reservations). About one trajectory in
 * ten starts treatment within three weeks (an urgent start), before a baseline is in.
 */
const ROM = {
  everyDays: 14,
  /** After the baseline, focus instruments keep the two-week rhythm this long into treatment. */
  focusWeeks: 16,
  laterEveryDays: 28,
  statusEveryDays: 28,
  baselineDays: [43, 70] as const,
  urgentStart: { chance: 0.1, days: [5, 20] as const },
  /** A treatment starts only when at least this many days of care are left for it. */
  minimumTreatmentDays: 42,
};

/** The programme's treatments: they start after the baseline (phase B of the N=1 design). */
const TREATMENTS = new Set(['trauma_treatment_emdr', 'trauma_treatment_tfcbt', 'family_therapy', 'parent_psycho_education']);

const MENTOR_TOPIC_SETS: MentorTopic[][] = [
  ['safety'],
  ['sexuality_relationships'],
  ['talents'],
  ['social_media'],
  ['safety', 'social_media'],
];

type Course = 'improving' | 'stable' | 'worsening';

/** The seed of the demo `npm start` loads (the study's start, 1 October 2019). */
export const DEMO_SEED = 20191001;

export function* generateSyntheticTrajectories(options: GeneratorOptions): Generator<SyntheticTrajectory> {
  const random = createRandom(options.seed ?? DEMO_SEED);
  const firstStart = options.firstStart ?? '2020-01-06';
  const span = Math.max(30, daysBetween(firstStart, addDays(options.asOf, -30)));
  const earlierSubjects: SyntheticSubject[] = [];

  for (let index = 1; index <= options.trajectories; index += 1) {
    // About one youth in twelve returns, at another programme: the registry links her by pseudonym.
    const returning = earlierSubjects.length > 20 && random.chance(0.08);
    const subject = returning ? random.pick(earlierSubjects) : newSubject(random, index);
    if (!returning) earlierSubjects.push(subject);
    const { institutionCode, programme } = random.pick(PROGRAMMES);
    const startDate = addDays(firstStart, random.integer(0, span));
    const ageAtStart = random.integer(12, 17);
    if (!returning) subject.birthYear = Number(startDate.slice(0, 4)) - ageAtStart;
    yield buildTrajectory(random, index, subject, institutionCode, programme, startDate, options.asOf, options.measurementSpacing ?? 1);
  }
}

function newSubject(random: Random, index: number): SyntheticSubject {
  return {
    key: `synthetic-subject-${index}`,
    birthYear: 0,
    gender: random.weighted<Gender>([
      ['girl', 84],
      ['boy', 8],
      ['non_binary', 5],
      ['other', 1],
      ['unknown', 2],
    ]),
    mildIntellectualDisability: random.weighted<YesNoUnknown>([
      ['yes', 25],
      ['no', 65],
      ['unknown', 10],
    ]),
    priorYouthCare: random.weighted<YesNoUnknown>([
      ['yes', 70],
      ['no', 20],
      ['unknown', 10],
    ]),
  };
}

function buildTrajectory(
  random: Random,
  index: number,
  subject: SyntheticSubject,
  institutionCode: string,
  programme: ProgrammeSeed,
  startDate: string,
  asOf: string,
  measurementSpacing: number,
): SyntheticTrajectory {
  const reference = `SYN-T${String(index).padStart(6, '0')}`;
  const ambulatory = programme.settings.every((setting) => setting === 'ambulatory');
  const plannedDays = ambulatory ? random.integer(120, 365) : random.integer(180, 540);
  const plannedEnd = addDays(startDate, plannedDays);
  const ended = plannedEnd <= asOf;
  const endReason: EndReason | null = ended
    ? random.weighted<EndReason>([
        ['completed', 60],
        ['transferred', 15],
        ['premature_end', 20],
        ['other', 5],
      ])
    : null;
  // A premature end comes earlier than planned.
  const endDate = ended
    ? endReason === 'premature_end'
      ? addDays(startDate, Math.round(plannedDays * random.between(0.3, 0.8)))
      : plannedEnd
    : null;
  const lastDay = minDate(endDate ?? asOf, asOf);
  const days = Math.max(1, daysBetween(startDate, lastDay));

  // The latent course. The weights are set so that the outcome classes the registry derives (reliable
  // change, first against last observation, per domain) come out at about a third each, as in the
  // study: better on several domains, not better, and mixed (synthetic-trajectories.test.ts).
  const outcome = random.weighted([
    ['several', 30],
    ['none', 37],
    ['mixed', 33],
  ] as const);
  const underReports = random.chance(outcome === 'none' ? 0.45 : 0.15);
  const courses = domainCourses(random, outcome);
  const treatmentStart = random.chance(ROM.urgentStart.chance)
    ? random.integer(...ROM.urgentStart.days)
    : random.integer(...ROM.baselineDays);

  const exploitationAtIntake = random.chance(0.7) ? 'confirmed' : 'suspected';
  return {
    subject,
    institutionCode,
    programmeCode: programme.code,
    reference,
    startDate,
    endDate,
    endReason,
    exploitationAtIntake,
    researchConsent: random.weighted<ResearchConsent>([
      ['granted', 75],
      ['refused', 10],
      ['withdrawn', 5],
      ['unknown', 10],
    ]),
    placements: placementsFor(random, reference, programme, startDate, endDate, days),
    activities: activitiesFor(random, reference, programme.offer, startDate, days, treatmentStart),
    measurements: measurementsFor(
      random,
      reference,
      startDate,
      days,
      treatmentStart,
      courses,
      underReports,
      exploitationAtIntake,
      ambulatory,
      measurementSpacing,
    ),
  };
}

function domainCourses(random: Random, outcome: 'several' | 'none' | 'mixed'): Record<Domain, Course> {
  const course = (improving: number, stable: number, worsening: number): Course =>
    random.weighted<Course>([
      ['improving', improving],
      ['stable', stable],
      ['worsening', worsening],
    ]);
  if (outcome === 'several') {
    return {
      exploitation_resilience: 'improving',
      social_emotional: 'improving',
      family_network: course(6, 4, 0),
      participation: course(6, 4, 0),
    };
  }
  if (outcome === 'none') {
    return {
      exploitation_resilience: course(0, 7, 3),
      social_emotional: course(0, 6, 4),
      family_network: course(0, 8, 2),
      participation: course(0, 7, 3),
    };
  }
  // Mixed: many concerns, limited signs of improvement on a single domain (the study's words).
  const better = random.pick(DOMAINS);
  const concerns = (): Course => course(0, 6, 4);
  return {
    exploitation_resilience: better === 'exploitation_resilience' ? 'improving' : concerns(),
    social_emotional: better === 'social_emotional' ? 'improving' : concerns(),
    family_network: better === 'family_network' ? 'improving' : concerns(),
    participation: better === 'participation' ? 'improving' : concerns(),
  };
}

function placementsFor(
  random: Random,
  reference: string,
  programme: ProgrammeSeed,
  startDate: string,
  endDate: string | null,
  days: number,
): SyntheticTrajectory['placements'] {
  const [first, second] = programme.settings;
  if (!second || days < 60) return [{ reference: `${reference}-P1`, setting: first!, startDate, endDate }];
  const move = addDays(startDate, Math.round(days * random.between(0.25, 0.5)));
  return [
    { reference: `${reference}-P1`, setting: first!, startDate, endDate: addDays(move, -1) },
    { reference: `${reference}-P2`, setting: second, startDate: move, endDate },
  ];
}

const PERIOD_DAYS = { week: 7, month: 30, quarter: 91 } as const;

function activitiesFor(
  random: Random,
  reference: string,
  offer: OfferItemSeed[],
  startDate: string,
  days: number,
  treatmentStart: number,
): SyntheticTrajectory['activities'] {
  const activities: SyntheticTrajectory['activities'] = [];
  // How faithfully this youth's programme was delivered.
  const fidelity = random.between(0.55, 1.05);
  const add = (activityTypeCode: string, day: number) => {
    const counted = ![
      'mentor_conversation',
      'group_session',
      'psycho_education',
      'trauma_treatment_emdr',
      'trauma_treatment_tfcbt',
      'family_therapy',
      'parent_psycho_education',
    ].includes(activityTypeCode);
    activities.push({
      reference: `${reference}-A${String(activities.length + 1).padStart(4, '0')}`,
      activityTypeCode,
      activityDate: addDays(startDate, Math.min(day, days)),
      count: counted ? 1 : null,
      durationMinutes: counted ? null : random.pick([45, 50, 60, 60, 75, 90]),
      parentsInvolved: activityTypeCode === 'treatment_plan_meeting' ? random.chance(0.6) : null,
      topics: activityTypeCode === 'mentor_conversation' ? random.pick(MENTOR_TOPIC_SETS) : null,
    });
  };
  for (const item of offer) {
    if (item.period === 'trajectory') {
      if (random.chance(Math.min(1, fidelity + 0.1))) add(item.activityTypeCode, random.integer(0, Math.min(28, days)));
      continue;
    }
    // A treatment runs from a week or two after the baseline to the end; a youth who leaves
    // before there is time for it gets none. Everything else runs from the first day.
    const from = TREATMENTS.has(item.activityTypeCode) ? treatmentStart + random.integer(0, 10) : 0;
    if (from > 0 && days - from < ROM.minimumTreatmentDays) continue;
    const periodDays = PERIOD_DAYS[item.period];
    const expected = ((days - from) / periodDays) * item.expectedCount * fidelity;
    const delivered = Math.max(0, Math.round(expected + random.normal() * Math.sqrt(expected) * 0.3));
    for (let occurrence = 0; occurrence < delivered; occurrence += 1) add(item.activityTypeCode, random.integer(from, days));
  }
  activities.sort((a, b) => (a.activityDate < b.activityDate ? -1 : a.activityDate > b.activityDate ? 1 : 0));
  return activities.map((activity, position) => ({ ...activity, reference: `${reference}-A${String(position + 1).padStart(4, '0')}` }));
}

function measurementsFor(
  random: Random,
  reference: string,
  startDate: string,
  days: number,
  treatmentStart: number,
  courses: Record<Domain, Course>,
  underReports: boolean,
  exploitationAtIntake: ExploitationAtIntake,
  ambulatory: boolean,
  spacing: number,
): SyntheticTrajectory['measurements'] {
  const measurements: SyntheticTrajectory['measurements'] = [];
  const add = (instrumentCode: string, informant: Informant, day: number, value: number) =>
    measurements.push({
      reference: `${reference}-M${String(measurements.length + 1).padStart(4, '0')}`,
      instrumentCode,
      informant,
      measuredOn: addDays(startDate, day),
      value,
    });

  const scale = (everyDays: number) => Math.max(1, Math.round(everyDays * spacing));
  for (const plan of SERIES_PLAN) {
    const instrument = INSTRUMENT_BY_CODE.get(plan.instrument)!;
    const course = courses[instrument.domain!];
    if (instrument.kind === 'status') {
      statusSeries(random, instrument, course, exploitationAtIntake, days, scale(ROM.statusEveryDays)).forEach(([day, value]) => {
        add(instrument.code, plan.informants[0]!, day, value);
      });
      continue;
    }
    const schedule = romSchedule(days, treatmentStart, plan.focus, scale);
    for (const informant of plan.informants) {
      // Not every parent takes part; those who do return fewer forms than the youth and mentor.
      if (informant === 'parent' && random.chance(0.3)) continue;
      const missing = informant === 'parent' ? 0.1 : 0.04;
      const view: InformantView = {
        understated: underReports && informant === 'youth',
        // Some parents and mentors see less of the change than there is: informants disagree.
        seenChange: informant !== 'youth' && random.chance(0.25) ? random.between(0.2, 0.6) : 1,
      };
      for (const [day, value] of scoreSeries(random, instrument, course, view, days, treatmentStart, schedule)) {
        if (day > 0 && random.chance(missing)) continue;
        add(instrument.code, informant, day, value);
      }
    }
  }
  if (!ambulatory) {
    for (let day = 14; day <= days; day += scale(28)) add('group_climate', 'youth', day, clamp(Math.round(random.between(4, 9)), 1, 10));
  }
  // The youth-perspective questionnaire at intake and, when care lasted long enough, near the end.
  for (const day of days > 90 ? [7, days - 7] : [7]) {
    if (day > days) continue;
    for (const instrument of INSTRUMENTS.filter((entry) => entry.questionnaire === 'youth_perspective')) {
      add(instrument.code, 'youth', day, random.integer(1, 5));
    }
  }
  return measurements;
}

/** The days one series is measured on: the baseline and the first weeks of treatment every two weeks (focus), then every four. */
function romSchedule(days: number, treatmentStart: number, focus: boolean, scale: (everyDays: number) => number): number[] {
  const schedule: number[] = [];
  const focusUntil = treatmentStart + ROM.focusWeeks * 7;
  for (let day = 0; day <= days; ) {
    schedule.push(day);
    day += scale(day < treatmentStart || (focus && day < focusUntil) ? ROM.everyDays : ROM.laterEveryDays);
  }
  return schedule;
}

interface InformantView {
  /** The youth reports her problems at intake below the cut-off (the study's key signal). */
  understated: boolean;
  /** The share of the latent change this informant sees. */
  seenChange: number;
}

function scoreSeries(
  random: Random,
  instrument: InstrumentSeed,
  course: Course,
  view: InformantView,
  days: number,
  treatmentStart: number,
  schedule: number[],
): Array<[number, number]> {
  const sd = instrument.normSd!;
  const cutoff = instrument.clinicalCutoff!;
  const worse = instrument.higherIsBetter ? -1 : 1;
  // Problems at intake lie on the clinical side of the cut-off, unless the youth understates them.
  const start = view.understated ? cutoff - worse * random.between(0.3, 1.2) * sd : cutoff + worse * random.between(0.4, 1.6) * sd;
  const change =
    (course === 'improving' ? -random.between(1.3, 2.6) : course === 'worsening' ? random.between(1.0, 1.8) : random.between(-0.3, 0.3)) *
    view.seenChange;
  // Most of the change comes once treatment has started (phase B); a little drift before it.
  const treatmentDays = Math.max(1, days - treatmentStart);
  const progress = (day: number) => 0.2 * (day / Math.max(1, days)) + 0.8 * Math.max(0, (day - treatmentStart) / treatmentDays);
  return schedule.map((day) => {
    const value = start + worse * change * sd * progress(day) + random.normal() * 0.35 * sd;
    return [day, clamp(Math.round(value), instrument.minValue, instrument.maxValue)];
  });
}

function statusSeries(
  random: Random,
  instrument: InstrumentSeed,
  course: Course,
  exploitationAtIntake: ExploitationAtIntake,
  days: number,
  everyDays: number,
): Array<[number, number]> {
  const levels = instrument.levels!.filter((level) => level.rank !== null).map((level) => level.value);
  const unknown = instrument.levels!.find((level) => level.rank === null)?.value;
  const top = levels.length - 1;
  let level =
    instrument.code === 'exploitation_status' ? (exploitationAtIntake === 'confirmed' || random.chance(0.4) ? 0 : 1) : random.integer(0, 1);
  const changeDay = random.integer(Math.round(days * 0.2), Math.round(days * 0.8));
  const series: Array<[number, number]> = [];
  for (let day = 0; day <= days; day += everyDays) {
    if (day >= changeDay && course === 'improving') level = top;
    if (day >= changeDay && course === 'worsening') level = 0;
    const reported = unknown !== undefined && random.chance(0.05) ? unknown : levels[level]!;
    series.push([day, reported]);
  }
  return series;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
