import type { FastifyInstance } from 'fastify';
import { graphqlEnum } from '../../lib/graphql-enum';
import type { MercuriusContext } from 'mercurius';
import type { Resolvers } from '../../generated/graphql';
import type { Database } from '../../db/client';
import { daysBetween, todayIso } from '../../lib/dates';
import { AppError, errors } from '../../lib/errors';
import { careDeliveryIndicators, daysInCare, outcomeIndicators, toDelivered, toOfferItem } from '../indicators';
import { nonOverlap, TREND_ALPHA } from '../../lib/statistics/nonoverlap';
import { seriesReliableChange } from '../../lib/statistics/reliable-change';
import { type DomainRecognition, type DomainStatus, type Series, seriesChange } from '../../lib/statistics/trajectory-indicators';
import { type Domain, DOMAINS, END_REASONS, EXPLOITATION_AT_INTAKE, GENDERS, RESEARCH_CONSENT, YES_NO_UNKNOWN } from '../../lib/vocabulary';
import { type ResearchContext, researchOf } from './research-context';
import { REGISTRY_VERSION } from './research-release-manifest';
import type { ReleaseView, ResearchReleases } from './research-releases';
import { consentFilterMatchesNothing, dateFor as dateForReader, hidesTimeInCare as hidesTimeInCareFor } from './research-policy';
import type { ActivityRow, SeriesRow, TrajectoryRow } from './research.repository';
import { selectsPath } from '../../lib/graphql-selection';

export const researchTypeDefs = /* GraphQL */ `
  ${graphqlEnum('Gender', GENDERS)}
  ${graphqlEnum('YesNoUnknown', YES_NO_UNKNOWN)}
  ${graphqlEnum('EndReason', END_REASONS)}
  ${graphqlEnum('ExploitationAtIntake', EXPLOITATION_AT_INTAKE)}
  ${graphqlEnum('ResearchConsent', RESEARCH_CONSENT)}
  enum SeriesChange { improved unchanged deteriorated }
  enum ChangeCategory { recovered improved unchanged deteriorated }
  enum DomainStatus { improved unchanged deteriorated mixed unknown }
  enum OutcomeClass { improved not_improved mixed insufficient_data }
  enum ProblemRecognition { low_recognition shared_recognition no_problems_reported unknown }
  enum DomainRecognition { low shared none unknown }
  """
  Whether researchers see a trajectory: released (in the latest research release), open (not
  ended), not_yet_released (ended after the latest release's cut-off, or recorded after that
  release was made: it comes with the next one), no_consent (research consent not granted).
  """
  enum ResearchAvailability { released open not_yet_released no_consent }

  input TrajectoryFilter {
    institution: String
    programme: String
    "Trajectories with a placement in this setting."
    setting: Setting
    gender: Gender
    ageAtStartMin: Int
    ageAtStartMax: Int
    "Start month, YYYY-MM, inclusive."
    startedFrom: String
    "Start month, YYYY-MM, inclusive."
    startedTo: String
    endReason: EndReason
    "Institutions only: researchers see consented trajectories alone."
    consent: ResearchConsent
    ongoing: Boolean
    "By the stored indicators, which follow new data within moments (the field outcomeClass reads them too, or computes on the spot while an update of them is pending)."
    outcomeClass: OutcomeClass
    "By the stored indicators, as outcomeClass."
    problemRecognition: ProblemRecognition
  }

  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type TrajectoryConnection {
    nodes: [Trajectory!]!
    pageInfo: PageInfo!
    "How many trajectories the list holds under its filter, every page together (counted only when asked)."
    totalCount: Int!
    "The research release the page was read from (researchers); null for an institution's live records."
    release: ResearchRelease
  }

  """
  A research release: a frozen, versioned snapshot of what researchers see at record level (every
  consented trajectory that ended before its cut-off, as recorded when it was made), made on the
  statistics' release calendar. Later pushes and corrections appear in the next release, never in
  a published one; an erasure removes a youth from every release at once and lists her ids.
  """
  type ResearchRelease {
    "The citable version: period and sequence number, e.g. 2026-Q4.1."
    id: ID!
    publishedAt: String!
    "Trajectories that ended before this date are in the release."
    cutoff: String!
    "Trajectories in the release as made (erased ones included)."
    trajectories: Int!
    "SHA-256 over the release's content as made."
    contentDigest: String!
    "How to cite the release."
    citation: String!
    "The version of the registry's API the release was made with."
    apiVersion: String!
    "Trajectory ids erased since the release was made: delete them from any copy you downloaded."
    withdrawnTrajectoryIds: [ID!]!
    "When its records were removed under the registry's retention (its id, digest and manifest stay); null while it can be read."
    retiredAt: String
  }

  type SubjectAttributes { ageAtStart: Int! gender: Gender! mildIntellectualDisability: YesNoUnknown! priorYouthCare: YesNoUnknown! }

  """
  One episode of care. For researchers every calendar date is null: times are day offsets
  from the start of the trajectory, plus its start month. Researchers see a trajectory only once
  it has ended and been released: quarterly, every trajectory that ended before the quarter
  began (exact offsets of records arriving as they happen would give the start date away).
  """
  type Trajectory {
    id: ID!
    institutionCode: String!
    programmeCode: String!
    startMonth: String!
    startDate: String
    endDate: String
    endDay: Int
    """
    Days from start to end, or to today while the trajectory is open. Null for researchers on an
    open trajectory: today minus an exact time in care would give its start date away.
    """
    daysInCare: Int
    endReason: EndReason
    exploitationAtIntake: ExploitationAtIntake!
    researchConsent: ResearchConsent!
    subject: SubjectAttributes!
    placements: [Placement!]!
    careActivities: [CareActivity!]!
    "Per activity type: occurrences, minutes, and occurrences per month in care (for researchers, of ended trajectories only)."
    dose: [Dose!]!
    "One series per instrument and informant."
    series: [MeasurementSeries!]!
    domainStatuses: [DomainStatusEntry!]!
    outcomeClass: OutcomeClass!
    problemRecognition: ProblemRecognitionResult!
    "Null for researchers on an open trajectory (it depends on the exact time in care)."
    fidelity: Fidelity
    "The other trajectories of the same youth, across institutions, within your scope."
    otherTrajectoriesOfSubject: [Trajectory!]!
    "Whether researchers see it, and if not why (for a researcher: released)."
    researchAvailability: ResearchAvailability!
  }

  type Placement { setting: Setting! startDay: Int! endDay: Int startDate: String endDate: String }
  type CareActivity { activityTypeCode: String! day: Int! date: String count: Int durationMinutes: Int domain: Domain parentsInvolved: Boolean topics: [String!] }
  type Dose { activityTypeCode: String! count: Int! minutes: Int! perMonthInCare: Float }
  type Observation { day: Int! date: String value: Float! }

  """
  Jacobson & Truax (1991), first against last observation: RCI = (last − first) / √(2·S_E²),
  S_E = norm SD·√(1 − reliability); positive means improvement whatever the instrument's
  direction; reliable when |RCI| > 1.96. Category: deteriorated (reliably worse), recovered
  (reliably better and from the clinical range, strictly beyond the cut-off, to the functional
  range, at or within it: a first score exactly at the cut-off is functional, so it can only be
  improved), improved (reliably better otherwise), unchanged. Null values come with the reason.
  """
  type ReliableChange { rci: Float reliable: Boolean! category: ChangeCategory reason: String }

  "Tarlow (2017): remove the baseline trend only when Kendall's test finds it (p below trendAlpha), or always."
  enum BaselineCorrection { if_significant always }

  "The baseline's trend over observation (session) numbers, and whether Tau-BC removed it."
  type BaselineTrend {
    "Theil–Sen slope per session, oriented so that positive is improvement."
    slope: Float!
    "Kendall's tau-b of the baseline with its session numbers; null when the baseline does not vary."
    kendallTau: Float
    "Two-sided p of no trend: exact without ties, else normal with tie-corrected variance and continuity correction (as R's cor.test)."
    p: Float
    corrected: Boolean!
    "Always session: the observations' order, not days."
    timeIndex: String!
    correction: BaselineCorrection!
    alpha: Float!
  }

  "An index left out, and why."
  type UnavailableIndicator { indicator: String! reason: String! }

  """
  Non-overlap and effect sizes between phase A (before the intervention) and phase B (from it
  on), the set the R package SingleCaseES computes, oriented so that positive means improvement
  (NAP and PEM: above 0.5). Null, with a reason, when a phase has fewer than three observations.
  """
  type NonOverlap {
    "Parker & Vannest (2009); ties count one half."
    nap: Float
    "Tau A vs B."
    tau: Float
    """
    Tau-U "A vs B − trend A" (Parker et al. 2011): (S_AB − S_A) / (m·n). Because the baseline
    trend S_A is divided by m·n rather than by its own number of pairs, the value can leave
    [−1, 1] when the baseline trend runs against the phase difference.
    """
    tauU: Float
    "Baseline-corrected Tau (Tarlow 2017): Tau after removing the baseline's Theil–Sen trend, when baselineTrend.corrected; else Tau."
    tauBC: Float
    baselineTrend: BaselineTrend
    "Percentage of non-overlapping data (Scruggs et al. 1987): share of B beyond the best of A."
    pnd: Float
    "Percentage exceeding the median (Ma 2006): share of B beyond A's median, ties one half."
    pem: Float
    "Percentage of all non-overlapping data (Parker et al. 2007)."
    pand: Float
    "Robust improvement rate difference (Parker, Vannest & Brown 2009), from PAND."
    ird: Float
    "Standardised mean difference on the baseline SD with Hedges' correction; null when the baseline does not vary."
    smd: Float
    "Log response ratio with Pustejovsky's (2018) bias correction; null off a ratio scale (a value below 0, or a phase mean of 0)."
    lrr: Float
    "Every index left out, with the reason."
    unavailable: [UnavailableIndicator!]!
    phaseALength: Int!
    phaseBLength: Int!
    reason: String
  }

  type MeasurementSeries {
    instrumentCode: String!
    informant: Informant!
    domain: Domain
    higherIsBetter: Boolean!
    observations: [Observation!]!
    change: SeriesChange
    reliableChange: ReliableChange
    """
    Phase B starts at the first activity of phaseStartActivityType, or at day phaseStartDay (one
    of the two). baselineCorrection: Tau-BC's rule (Tarlow's default: only a significant trend,
    at trendAlpha).
    """
    nonOverlap(
      phaseStartActivityType: String
      phaseStartDay: Int
      baselineCorrection: BaselineCorrection = if_significant
      trendAlpha: Float = 0.05
    ): NonOverlap
  }

  type DomainStatusEntry { domain: Domain! status: DomainStatus! intakeRecognition: DomainRecognition! }
  type ProblemRecognitionResult { overall: ProblemRecognition! }
  type FidelityItem { activityTypeCode: String! coreElement: CoreElement expected: Float! delivered: Int! score: Float! }
  type CoreElementFidelity { coreElement: CoreElement! expected: Float! delivered: Int! score: Float! }
  "Delivered against the programme's fixed offer; scores are 0–1, capped at 1 per item."
  type Fidelity { summary: Float items: [FidelityItem!]! coreElements: [CoreElementFidelity!]! }

  extend type Query {
    """
    Trajectories within your scope, by id; at most 100 per page. Researchers read a research
    release: the one named, else the latest (the answer's release says which).
    """
    trajectories(first: Int = 20, after: String, filter: TrajectoryFilter, release: ID): TrajectoryConnection!
    trajectory(id: ID!, release: ID): Trajectory
    "The research releases, newest first (researchers)."
    releases: [ResearchRelease!]!
  }
`;

export interface ResearchSettings {
  maxPageSize: number;
  intakeWindowDays: number;
  /** See research-release.ts: researchers see trajectories once ended and released. */
  researchReleaseDelayDays: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const encodeCursor = (id: string) => Buffer.from(id).toString('base64url');
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!UUID.test(id)) throw errors.validation('after: not a cursor this API gave out.', 'after');
  return id;
}

interface SeriesView extends Series {
  /** As the repository gives them: with the calendar date where the scope shows it. */
  observations: SeriesRow['observations'];
}

/**
 * What a MeasurementSeries resolves from: the series, its plain fields under their GraphQL names
 * (read as properties by the compiled query, with no resolver call: a page has ~1,000 series),
 * and what its other fields need of the request.
 */
export interface SeriesParent extends SeriesView {
  instrumentCode: string;
  domain: Domain | null;
  higherIsBetter: boolean;
  activities: () => Promise<Array<Pick<ActivityRow, 'activity_type_code' | 'day'>>>;
}

/** A release as the GraphQL type gives it (the withdrawn ids are read when asked for). */
const releaseView = (release: ReleaseView) => ({
  id: release.id,
  publishedAt: release.publishedAt.toISOString(),
  cutoff: release.cutoff,
  trajectories: release.trajectories,
  contentDigest: release.contentDigest,
  citation: release.citation,
  apiVersion: REGISTRY_VERSION,
  retiredAt: release.retiredAt?.toISOString() ?? null,
});

export type ReleaseParent = ReturnType<typeof releaseView>;

/** What a TrajectoryConnection resolves from: the total is counted only when a query asks for it. */
export interface ConnectionParent {
  nodes: TrajectoryRow[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  release: ReleaseParent | null;
  totalCount: () => Promise<number>;
}

/** What a DomainStatusEntry resolves from: intake recognition is not stored, so computed only when asked for. */
export interface DomainStatusParent {
  domain: Domain;
  status: DomainStatus;
  intakeRecognition: () => Promise<DomainRecognition>;
}

export function registerResearchGraphql(app: FastifyInstance, database: Database, settings: ResearchSettings, releases: ResearchReleases) {
  const research = (context: MercuriusContext) => researchOf(context, database, releases);
  // The redaction policy (research-policy.ts), for the request's reader.
  const reader = (context: MercuriusContext) => research(context).reader;
  const hidesTimeInCare = (context: MercuriusContext, row: TrajectoryRow) => hidesTimeInCareFor(reader(context), row.end_date);
  const dateFor = (context: MercuriusContext, date: string | null) => dateForReader(reader(context), date);

  /** Memoises per request and trajectory, so sibling fields share one computation. */
  function perRequest<T>(compute: (context: MercuriusContext, row: TrajectoryRow) => Promise<T>) {
    const memo = new WeakMap<ResearchContext, Map<string, Promise<T>>>();
    return (context: MercuriusContext, row: TrajectoryRow): Promise<T> => {
      const ctx = research(context);
      let byId = memo.get(ctx);
      if (!byId) {
        byId = new Map();
        memo.set(ctx, byId);
      }
      let found = byId.get(row.id);
      if (!found) {
        found = compute(context, row);
        byId.set(row.id, found);
      }
      return found;
    };
  }

  /** The trajectory's series, built once per request, each object made whole at once. */
  const seriesOf = perRequest((context, row): Promise<SeriesParent[]> => {
    const ctx = research(context);
    // Activities only when nonOverlap asks for a phase start by activity type.
    const activities = () => ctx.activities.load(row.id);
    return Promise.all([ctx.series.load(row.id), ctx.instruments()]).then(([rows, instruments]) =>
      rows.map((entry): SeriesParent => {
        const instrument = instruments.get(entry.instrument_code)!;
        return {
          instrument,
          instrumentCode: instrument.code,
          domain: instrument.domain,
          higherIsBetter: instrument.higherIsBetter,
          informant: entry.informant,
          // Built in SQL, dates already only where the scope shows them.
          observations: entry.observations,
          activities,
        };
      }),
    );
  });

  // The same functions the statistics keep up to date (compute-indicators), in two halves, so a
  // query for outcomes does not load the activities that only dose and fidelity need.
  const outcomesOf = perRequest(async (context, row) => outcomeIndicators(await seriesOf(context, row), settings.intakeWindowDays));
  const careDeliveryOf = perRequest(async (context, row) => {
    const ctx = research(context);
    const [activities, offer] = await Promise.all([ctx.activities.load(row.id), ctx.offers.load(row.programme_id)]);
    return careDeliveryIndicators({
      startDate: row.start_date,
      endDate: row.end_date,
      asOf: todayIso(),
      activities: activities.map(toDelivered),
      offer: offer.map(toOfferItem),
    });
  });

  const resolvers: Resolvers = {
    Query: {
      trajectories: async (_root, args, context, info) => {
        const ctx = researchOf(context, database, releases, args.release ?? null);
        if (!Number.isInteger(args.first) || args.first < 1 || args.first > settings.maxPageSize) {
          throw errors.validation(`first: a page holds 1 to ${settings.maxPageSize} trajectories.`, 'first');
        }
        const filter = args.filter ?? {};
        for (const field of ['startedFrom', 'startedTo'] as const) {
          if (filter[field] != null && !/^\d{4}-(0[1-9]|1[0-2])$/.test(String(filter[field]))) {
            throw errors.validation(`filter.${field}: a month as YYYY-MM.`, `filter.${field}`);
          }
        }
        const release = await ctx.release();
        const empty = {
          nodes: [],
          pageInfo: { hasNextPage: false, endCursor: null },
          totalCount: async () => 0,
          release: release && releaseView(release),
        };
        // Before the first release a researcher reads nothing.
        if (ctx.reader === 'researcher' && !release) return empty;
        if (consentFilterMatchesNothing(ctx.reader, filter.consent)) return empty;
        const rows = await ctx.repository.listTrajectories(
          ctx.scope,
          filter,
          args.after ? decodeCursor(args.after) : null,
          args.first + 1,
          {
            withSeries: selectsPath(info, ['nodes', 'series']),
          },
        );
        const page = ctx.page(rows.slice(0, args.first));
        return {
          nodes: page,
          pageInfo: { hasNextPage: rows.length > args.first, endCursor: page.length ? encodeCursor(page[page.length - 1]!.id) : null },
          totalCount: () => ctx.repository.countTrajectories(ctx.scope, filter),
          release: empty.release,
        };
      },
      trajectory: async (_root, args, context) => {
        const ctx = researchOf(context, database, releases, args.release ?? null);
        if (ctx.reader === 'researcher' && !(await ctx.release())) return null;
        if (!UUID.test(args.id)) return null;
        return ctx.trajectories.load(args.id);
      },
      releases: async (_root, _args, context) => {
        if (research(context).reader !== 'researcher') throw errors.forbidden('Research releases are what researchers read.');
        return (await releases.list()).map(releaseView);
      },
    },
    Trajectory: {
      institutionCode: (row) => row.institution_code,
      programmeCode: (row) => row.programme_code,
      startMonth: (row) => row.start_date.slice(0, 7),
      startDate: (row, _args, context) => dateFor(context, row.start_date),
      endDate: (row, _args, context) => dateFor(context, row.end_date),
      endDay: (row) => (row.end_date ? daysBetween(row.start_date, row.end_date) : null),
      daysInCare: (row, _args, context) => (hidesTimeInCare(context, row) ? null : daysInCare(row.start_date, row.end_date, todayIso())),
      endReason: (row) => row.end_reason,
      exploitationAtIntake: (row) => row.exploitation_at_intake,
      researchConsent: (row) => row.research_consent,
      subject: (row) => ({
        ageAtStart: Number(row.start_date.slice(0, 4)) - row.birth_year,
        gender: row.gender,
        mildIntellectualDisability: row.mild_intellectual_disability,
        priorYouthCare: row.prior_youth_care,
      }),
      placements: async (row, _args, context) =>
        (await research(context).placements.load(row.id)).map((placement) => ({
          setting: placement.setting,
          startDay: placement.start_day,
          endDay: placement.end_day,
          startDate: dateFor(context, placement.start_date),
          endDate: dateFor(context, placement.end_date),
        })),
      careActivities: async (row, _args, context) =>
        (await research(context).activities.load(row.id)).map((activity) => ({
          activityTypeCode: activity.activity_type_code,
          day: activity.day,
          date: dateFor(context, activity.activity_date),
          count: activity.count,
          durationMinutes: activity.duration_minutes,
          domain: activity.domain,
          parentsInvolved: activity.parents_involved,
          topics: activity.topics,
        })),
      dose: async (row, _args, context) => {
        const { dose } = await careDeliveryOf(context, row);
        return hidesTimeInCare(context, row) ? dose.map((entry) => ({ ...entry, perMonthInCare: null })) : dose;
      },
      series: (row, _args, context) => seriesOf(context, row),
      // Outcomes: the stored indicators where they are current (research.repository.ts), else
      // computed from the series on the spot; the same function produced both.
      domainStatuses: async (row, _args, context) => {
        const intakeRecognition = (domain: Domain) => async () => (await outcomesOf(context, row)).intakeRecognition[domain];
        const statuses = row.stored_outcomes?.statuses ?? (await outcomesOf(context, row)).domainStatuses;
        return DOMAINS.map((domain) => ({ domain, status: statuses[domain], intakeRecognition: intakeRecognition(domain) }));
      },
      outcomeClass: async (row, _args, context) => row.stored_outcomes?.outcome_class ?? (await outcomesOf(context, row)).outcomeClass,
      problemRecognition: async (row, _args, context) => ({
        overall: row.stored_outcomes?.problem_recognition ?? (await outcomesOf(context, row)).problemRecognition,
      }),
      fidelity: async (row, _args, context) => (hidesTimeInCare(context, row) ? null : (await careDeliveryOf(context, row)).fidelity),
      researchAvailability: async (row, _args, context) => {
        const ctx = research(context);
        if (ctx.reader === 'researcher') return 'released';
        if (row.research_consent !== 'granted') return 'no_consent';
        if (row.end_date === null) return 'open';
        return (await ctx.released.load(row.id)) ? 'released' : 'not_yet_released';
      },
      otherTrajectoriesOfSubject: async (row, _args, context) => {
        const ctx = research(context);
        const ids = await ctx.others.load(row.id);
        const rows = await Promise.all(ids.map((id) => ctx.trajectories.load(id)));
        return rows.filter((other): other is TrajectoryRow => other !== null);
      },
    },
    ResearchRelease: {
      withdrawnTrajectoryIds: (release) => releases.withdrawals(release.id),
    },
    DomainStatusEntry: {
      intakeRecognition: (entry) => entry.intakeRecognition(),
    },
    TrajectoryConnection: {
      totalCount: (connection) => connection.totalCount(),
    },
    MeasurementSeries: {
      change: (series) => seriesChange(series),
      reliableChange: (series) => seriesReliableChange(series.instrument.kind, series.observations, series.instrument),
      nonOverlap: async (series, args, context) => {
        const empty = {
          nap: null,
          tau: null,
          tauU: null,
          tauBC: null,
          baselineTrend: null,
          pnd: null,
          pem: null,
          pand: null,
          ird: null,
          smd: null,
          lrr: null,
          unavailable: [],
        };
        if (args.phaseStartActivityType != null && args.phaseStartDay != null)
          throw errors.validation('nonOverlap: give phaseStartActivityType or phaseStartDay, not both.', 'nonOverlap');
        const alpha = args.trendAlpha ?? TREND_ALPHA;
        if (!(alpha > 0 && alpha < 1)) throw errors.validation('nonOverlap.trendAlpha: a level between 0 and 1.', 'nonOverlap.trendAlpha');
        if (series.instrument.kind === 'status') {
          return { ...empty, phaseALength: 0, phaseBLength: 0, reason: 'a status instrument has coded levels, not a score' };
        }
        let start = args.phaseStartDay ?? null;
        if (args.phaseStartActivityType != null) {
          if (!(await research(context).activityTypeCodes()).has(args.phaseStartActivityType))
            throw errors.validation(
              // Not repeated back: a value the sender typed may hold an identifier.
              'nonOverlap.phaseStartActivityType: not an activity type of the catalogue (the activityTypes query lists them).',
              'nonOverlap.phaseStartActivityType',
            );
          start = (await series.activities()).find((activity) => activity.activity_type_code === args.phaseStartActivityType)?.day ?? null;
          if (start === null)
            return {
              ...empty,
              phaseALength: series.observations.length,
              phaseBLength: 0,
              reason: 'no activity of that type in this trajectory',
            };
        }
        if (start === null)
          throw new AppError('VALIDATION_FAILED', 'nonOverlap needs phaseStartActivityType or phaseStartDay.', { field: 'nonOverlap' });
        const a = series.observations.filter((observation) => observation.day < start).map((observation) => observation.value);
        const b = series.observations.filter((observation) => observation.day >= start).map((observation) => observation.value);
        const result = nonOverlap(a, b, series.instrument.higherIsBetter, {
          correction: args.baselineCorrection ?? 'if_significant',
          alpha,
        });
        return { ...(result.value ?? empty), phaseALength: a.length, phaseBLength: b.length, reason: result.reason };
      },
    },
  };

  app.graphql.extendSchema(researchTypeDefs);
  app.graphql.defineResolvers(resolvers);
}
