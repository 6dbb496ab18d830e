import { describe, expect, it } from 'vitest';
import { mapBundle } from './fhir-mapping';
import {
  BSN_SYSTEM,
  EXTENSIONS,
  PSEUDONYM_SYSTEM,
  RECORD_REFERENCE_SYSTEM,
  SYSTEMS,
  UCUM,
  YOUTH_PERSPECTIVE_QUESTIONNAIRE,
} from './fhir-systems';

// The mapping alone, on hand-written resources: what each becomes, and the FHIRPath of what is refused.

// biome-ignore lint/suspicious/noExplicitAny: hand-written FHIR resources, changed one element at a time
type Json = Record<string, any>;

const PSEUDONYM = 'sp1.T9qXHIei3DWlTzysXgGCDJTi5-IBhM9YUflNfmjcu00';
const url = (n: number) => `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, 'a')}`;
const [PATIENT, EPISODE, PLACEMENT, ACTIVITY, MENTOR, OBSERVATION, QUESTIONNAIRE] = [1, 2, 3, 4, 5, 6, 7].map(url) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const coding = (system: string, code: string) => ({ coding: [{ system, code }] });
const reference = (value: string) => [{ system: RECORD_REFERENCE_SYSTEM, value }];
const onEpisode = { url: EXTENSIONS.episodeOfCare, valueReference: { reference: EPISODE } };

function bundle(): Json {
  const entry = (fullUrl: string, resource: Json) => ({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      entry(QUESTIONNAIRE, {
        resourceType: 'QuestionnaireResponse',
        identifier: { system: RECORD_REFERENCE_SYSTEM, value: 'QR-1' },
        questionnaire: YOUTH_PERSPECTIVE_QUESTIONNAIRE,
        status: 'completed',
        subject: { reference: PATIENT },
        authored: '2024-02-01',
        extension: [onEpisode],
        item: [
          { linkId: 'feel_safe', answer: [{ valueInteger: 4 }] },
          { linkId: 'space', answer: [{ valueInteger: 2 }] },
        ],
      }),
      entry(PATIENT, {
        resourceType: 'Patient',
        identifier: [{ system: PSEUDONYM_SYSTEM, value: PSEUDONYM }],
        birthDate: '2009',
        gender: 'other',
        extension: [
          { url: EXTENSIONS.gender, valueCode: 'non_binary' },
          { url: EXTENSIONS.priorYouthCare, valueCode: 'yes' },
        ],
      }),
      entry(EPISODE, {
        resourceType: 'EpisodeOfCare',
        identifier: reference('T-1'),
        status: 'active',
        type: [coding(SYSTEMS.programme, 'vuurtorenhuis-baken')],
        patient: { reference: PATIENT },
        period: { start: '2024-01-15' },
        extension: [
          { url: EXTENSIONS.researchConsent, valueCode: 'granted' },
          { url: EXTENSIONS.exploitationAtIntake, valueCode: 'suspected' },
        ],
      }),
      entry(PLACEMENT, {
        resourceType: 'Encounter',
        identifier: reference('P-1'),
        status: 'in-progress',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
        type: [coding(SYSTEMS.setting, 'closed_residential')],
        episodeOfCare: [{ reference: EPISODE }],
        period: { start: '2024-01-15' },
      }),
      entry(ACTIVITY, {
        resourceType: 'Procedure',
        identifier: reference('A-1'),
        status: 'completed',
        code: coding(SYSTEMS.activityType, 'mentor_conversation'),
        subject: { reference: PATIENT },
        performedDateTime: '2024-01-22',
        extension: [
          onEpisode,
          { url: EXTENSIONS.activityDuration, valueDuration: { value: 50, system: UCUM, code: 'min' } },
          { url: EXTENSIONS.mentorTopic, valueCode: 'safety' },
          { url: EXTENSIONS.mentorTopic, valueCode: 'talents' },
        ],
      }),
      entry(MENTOR, { resourceType: 'PractitionerRole', code: [coding(SYSTEMS.informant, 'mentor')] }),
      entry(OBSERVATION, {
        resourceType: 'Observation',
        identifier: reference('M-1'),
        status: 'final',
        code: coding(SYSTEMS.instrument, 'resilience'),
        effectiveDateTime: '2024-02-02',
        valueQuantity: { value: 61 },
        performer: [{ reference: MENTOR }],
        extension: [onEpisode],
      }),
    ],
  };
}

const expressions = (body: Json) => mapBundle(body).issues.map((issue) => `${issue.code} ${issue.expression}`);

describe('mapBundle', () => {
  it('maps each resource to the record the REST ingest takes, trajectories first', () => {
    const mapped = mapBundle(bundle());
    expect(mapped.issues).toEqual([]);
    expect(mapped.type).toBe('transaction');
    expect(mapped.entryCount).toBe(7);
    expect(mapped.records.map((record) => record.record)).toEqual([
      {
        type: 'trajectory',
        reference: 'T-1',
        subject: {
          pseudonym: PSEUDONYM,
          birthYear: 2009,
          gender: 'non_binary',
          mildIntellectualDisability: 'unknown',
          priorYouthCare: 'yes',
        },
        programmeCode: 'vuurtorenhuis-baken',
        startDate: '2024-01-15',
        exploitationAtIntake: 'suspected',
        researchConsent: 'granted',
      },
      {
        type: 'measurement',
        reference: 'QR-1:feel_safe',
        trajectoryReference: 'T-1',
        instrumentCode: 'youth_perspective_feel_safe',
        informant: 'youth',
        date: '2024-02-01',
        value: 4,
      },
      {
        type: 'measurement',
        reference: 'QR-1:space',
        trajectoryReference: 'T-1',
        instrumentCode: 'youth_perspective_space',
        informant: 'youth',
        date: '2024-02-01',
        value: 2,
      },
      { type: 'placement', reference: 'P-1', trajectoryReference: 'T-1', setting: 'closed_residential', startDate: '2024-01-15' },
      {
        type: 'care_activity',
        reference: 'A-1',
        trajectoryReference: 'T-1',
        activityTypeCode: 'mentor_conversation',
        date: '2024-01-22',
        durationMinutes: 50,
        topics: ['safety', 'talents'],
      },
      {
        type: 'measurement',
        reference: 'M-1',
        trajectoryReference: 'T-1',
        instrumentCode: 'resilience',
        informant: 'mentor',
        date: '2024-02-02',
        value: 61,
      },
    ]);
  });

  it('keeps the FHIRPath of every record field, for the ingest engine’s refusals', () => {
    const { records } = mapBundle(bundle());
    expect(records[0]!.paths).toMatchObject({
      reference: 'Bundle.entry[2].resource.identifier[0].value',
      programmeCode: 'Bundle.entry[2].resource.type[0].coding[0].code',
      'subject.birthYear': 'Bundle.entry[1].resource.birthDate',
      'subject.gender': 'Bundle.entry[1].resource.extension[0].valueCode',
    });
    expect(records[4]!.paths).toMatchObject({
      durationMinutes: 'Bundle.entry[4].resource.extension[1].valueDuration.value',
      'topics[1]': 'Bundle.entry[4].resource.extension[3].valueCode',
    });
    expect(records[5]!.paths).toMatchObject({
      value: 'Bundle.entry[6].resource.valueQuantity.value',
      informant: 'Bundle.entry[6].resource.performer[0].reference',
    });
    expect(records[2]!.paths).toMatchObject({
      instrumentCode: 'Bundle.entry[0].resource.item[1].linkId',
      value: 'Bundle.entry[0].resource.item[1].answer[0].valueInteger',
    });
  });

  it('takes a logical reference to an earlier-pushed episode by its record reference', () => {
    const body = bundle();
    body.entry[3].resource.episodeOfCare = [{ identifier: { system: RECORD_REFERENCE_SYSTEM, value: 'T-0' } }];
    const mapped = mapBundle(body);
    expect(mapped.issues).toEqual([]);
    expect(mapped.records.find((record) => record.record.type === 'placement')!.record.trajectoryReference).toBe('T-0');
  });

  describe('refuses, naming the element', () => {
    const cases: Array<[string, (body: Json) => void, string[]]> = [
      ['a name', (body) => (body.entry[1].resource.name = [{ family: 'Jansen' }]), ['security Bundle.entry[1].resource.name']],
      [
        'an address and a telecom',
        (body) => Object.assign(body.entry[1].resource, { address: [{ city: 'Utrecht' }], telecom: [{ system: 'email' }] }),
        ['security Bundle.entry[1].resource.address', 'security Bundle.entry[1].resource.telecom'],
      ],
      [
        'a BSN identifier',
        (body) => body.entry[1].resource.identifier.push({ system: BSN_SYSTEM, value: 'x' }),
        ['security Bundle.entry[1].resource.identifier[1]'],
      ],
      [
        'a BSN by its value',
        (body) => body.entry[1].resource.identifier.push({ system: 'urn:ehr', value: '111222333' }),
        ['security Bundle.entry[1].resource.identifier[1]'],
      ],
      ['a full birth date', (body) => (body.entry[1].resource.birthDate = '2009-04-19'), ['security Bundle.entry[1].resource.birthDate']],
      ['a birth month', (body) => (body.entry[1].resource.birthDate = '2009-04'), ['security Bundle.entry[1].resource.birthDate']],
      [
        'narrative',
        (body) => (body.entry[4].resource.text = { status: 'generated', div: '<div/>' }),
        ['security Bundle.entry[4].resource.text'],
      ],
      ['a phone number in an id', (body) => (body.entry[6].resource.id = '0612345678'), ['security Bundle.entry[6].resource.id']],
      [
        'an element it does not read',
        (body) => (body.entry[6].resource.bodySite = coding('http://snomed.info/sct', '1')),
        ['not-supported Bundle.entry[6].resource.bodySite'],
      ],
      [
        'an unknown extension',
        (body) => body.entry[6].resource.extension.push({ url: 'urn:x', valueString: 'y' }),
        ['not-supported Bundle.entry[6].resource.extension[1]'],
      ],
      [
        'a code of another system',
        (body) => (body.entry[6].resource.code = coding('http://loinc.org', '1')),
        ['code-invalid Bundle.entry[6].resource.code'],
      ],
      [
        'a reference outside the Bundle',
        (body) => (body.entry[6].resource.performer = [{ reference: 'Practitioner/1' }]),
        ['not-found Bundle.entry[6].resource.performer[0].reference'],
      ],
      [
        'a urn:uuid no entry has',
        (body) => (body.entry[3].resource.episodeOfCare = [{ reference: url(99) }]),
        ['not-found Bundle.entry[3].resource.episodeOfCare[0].reference'],
      ],
      [
        'a display (free text) on a reference',
        (body) => (body.entry[6].resource.performer = [{ reference: MENTOR, display: 'M. de Vries' }]),
        ['security Bundle.entry[6].resource.performer[0].display'],
      ],
      ['a duplicate fullUrl', (body) => (body.entry[6].fullUrl = MENTOR), ['duplicate Bundle.entry[6].fullUrl']],
      ['a PUT', (body) => (body.entry[6].request = { method: 'PUT', url: 'Observation/1' }), ['not-supported Bundle.entry[6].request']],
      [
        'a resource type it does not map',
        (body) => (body.entry[6].resource = { resourceType: 'Condition' }),
        ['not-supported Bundle.entry[6].resource.resourceType'],
      ],
      [
        'a time of day',
        (body) => (body.entry[6].resource.effectiveDateTime = '2024-02-02T10:00:00Z'),
        ['value Bundle.entry[6].resource.effectiveDateTime'],
      ],
      ['a history Bundle', (body) => (body.type = 'history'), ['not-supported Bundle.type']],
    ];
    for (const [name, change, expected] of cases) {
      it(name, () => {
        const body = bundle();
        change(body);
        const mapped = mapBundle(body);
        // What an entry's refusal does to the entries that refer to it is tested below.
        expect(expressions(body).filter((expression) => !expression.startsWith('processing'))).toEqual(expected);
        // No record comes from a refused entry.
        const refused = new Set(mapped.issues.map((issue) => issue.entry));
        expect(mapped.records.filter((record) => refused.has(record.entry))).toEqual([]);
      });
    }
  });

  it('lets a urn:uuid pass whose digits and dashes spell a phone number (a form, never stored)', () => {
    const body = bundle();
    const lookalike = 'urn:uuid:a0612345-678a-4bcd-8def-abcdefabcdef';
    body.entry[5].fullUrl = lookalike;
    body.entry[6].resource.performer = [{ reference: lookalike }];
    expect(mapBundle(body).issues).toEqual([]);
    // The control: the same digits where a value is kept are refused.
    body.entry[6].resource.id = 'a0612345-678a';
    expect(expressions(body)).toEqual(['security Bundle.entry[6].resource.id']);
  });

  it('refuses an episode whose Patient was refused, and everything under it', () => {
    const body = bundle();
    body.entry[1].resource.name = [{ family: 'Jansen' }];
    const mapped = mapBundle(body);
    expect(mapped.records).toEqual([]);
    expect(expressions(body)).toEqual([
      'security Bundle.entry[1].resource.name',
      'processing Bundle.entry[2].resource.patient.reference',
      'processing Bundle.entry[0].resource.extension[0].valueReference.reference',
      'processing Bundle.entry[3].resource.episodeOfCare[0].reference',
      'processing Bundle.entry[4].resource.extension[0].valueReference.reference',
      'processing Bundle.entry[6].resource.extension[0].valueReference.reference',
    ]);
  });
});
