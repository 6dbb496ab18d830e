// The registry's controlled vocabulary (see shared/domain.md). The database checks, the Zod
// schemas and the GraphQL enums are all derived from these lists, so they cannot drift apart.

export const GENDERS = ['girl', 'boy', 'non_binary', 'other', 'unknown'] as const;
export const YES_NO_UNKNOWN = ['yes', 'no', 'unknown'] as const;
export const SETTINGS = ['closed_residential', 'open_residential', 'small_scale_residential', 'ambulatory'] as const;
export const END_REASONS = ['completed', 'transferred', 'premature_end', 'other'] as const;
export const EXPLOITATION_AT_INTAKE = ['confirmed', 'suspected'] as const;
export const RESEARCH_CONSENT = ['granted', 'refused', 'withdrawn', 'unknown'] as const;
export const INFORMANTS = ['youth', 'parent', 'mentor', 'clinician', 'teacher'] as const;

/** The youth-perspective items' instrument codes: this prefix and the item (`youth_perspective_own_choices`). */
export const YOUTH_PERSPECTIVE_PREFIX = 'youth_perspective_';

/** The four domains programmes work on, beyond trauma and stopping the exploitation. */
export const DOMAINS = ['exploitation_resilience', 'social_emotional', 'family_network', 'participation'] as const;

/** The three core elements found in every programme. */
export const CORE_ELEMENTS = ['diagnostics_safety', 'living_climate', 'mentor_conversations'] as const;

export const MENTOR_TOPICS = ['safety', 'sexuality_relationships', 'talents', 'social_media'] as const;
export const INSTRUMENT_KINDS = ['score', 'status'] as const;
export const ACTIVITY_UNITS = ['count', 'minutes'] as const;
export const FREQUENCY_PERIODS = ['week', 'month', 'quarter', 'trajectory'] as const;
export const ROLES = ['institution', 'researcher', 'funder', 'auditor', 'admin', 'privacy_officer'] as const;
/** Why the registry erased a youth at a registry-wide objection (no free text: it could identify her). */
export const OBJECTION_REASONS = ['youth_request', 'parent_request', 'guardian_request', 'legal_obligation'] as const;

export type Gender = (typeof GENDERS)[number];
export type YesNoUnknown = (typeof YES_NO_UNKNOWN)[number];
export type Setting = (typeof SETTINGS)[number];
export type EndReason = (typeof END_REASONS)[number];
export type ExploitationAtIntake = (typeof EXPLOITATION_AT_INTAKE)[number];
export type ResearchConsent = (typeof RESEARCH_CONSENT)[number];
export type Informant = (typeof INFORMANTS)[number];
export type Domain = (typeof DOMAINS)[number];
export type CoreElement = (typeof CORE_ELEMENTS)[number];
export type MentorTopic = (typeof MENTOR_TOPICS)[number];
export type InstrumentKind = (typeof INSTRUMENT_KINDS)[number];
export type ActivityUnit = (typeof ACTIVITY_UNITS)[number];
export type FrequencyPeriod = (typeof FREQUENCY_PERIODS)[number];
export type Role = (typeof ROLES)[number];
export type ObjectionReason = (typeof OBJECTION_REASONS)[number];
