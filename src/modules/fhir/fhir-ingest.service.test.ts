import { describe, expect, it, vi } from 'vitest';
import { MAX_LISTED_REJECTIONS } from '../ingest';
import { createFhirIngest } from './fhir-ingest.service';
import { EXTENSIONS, PSEUDONYM_SYSTEM, RECORD_REFERENCE_SYSTEM, SYSTEMS, YOUTH_PERSPECTIVE_QUESTIONNAIRE } from './fhir-systems';

// What reaches the bulk ingest, with a stand-in for it: nothing, when the Bundle is refused first.

const PATIENT = 'urn:uuid:00000000-0000-4000-8000-aaaaaaaaaaa1';
const EPISODE = 'urn:uuid:00000000-0000-4000-8000-aaaaaaaaaaa2';

/** A Bundle whose one questionnaire has `items` answers: a trajectory and `items` measurements. */
function bundle(type: 'transaction' | 'batch', items: number) {
  const entry = (fullUrl: string, resource: Record<string, unknown>) => ({
    fullUrl,
    resource,
    request: { method: 'POST', url: resource.resourceType },
  });
  return {
    resourceType: 'Bundle',
    type,
    entry: [
      entry(PATIENT, {
        resourceType: 'Patient',
        identifier: [{ system: PSEUDONYM_SYSTEM, value: 'sp1.T9qXHIei3DWlTzysXgGCDJTi5-IBhM9YUflNfmjcu00' }],
        birthDate: '2009',
      }),
      entry(EPISODE, {
        resourceType: 'EpisodeOfCare',
        identifier: [{ system: RECORD_REFERENCE_SYSTEM, value: 'T-1' }],
        status: 'active',
        type: [{ coding: [{ system: SYSTEMS.programme, code: 'vuurtorenhuis-baken' }] }],
        patient: { reference: PATIENT },
        period: { start: '2024-01-15' },
        extension: [
          { url: EXTENSIONS.researchConsent, valueCode: 'granted' },
          { url: EXTENSIONS.exploitationAtIntake, valueCode: 'confirmed' },
        ],
      }),
      entry('urn:uuid:00000000-0000-4000-8000-aaaaaaaaaaa3', {
        resourceType: 'QuestionnaireResponse',
        identifier: { system: RECORD_REFERENCE_SYSTEM, value: 'Q-1' },
        questionnaire: YOUTH_PERSPECTIVE_QUESTIONNAIRE,
        status: 'completed',
        authored: '2024-02-01',
        extension: [{ url: EXTENSIONS.episodeOfCare, valueReference: { reference: EPISODE } }],
        item: Array.from({ length: items }, (_, index) => ({ linkId: `item_${'abcdefghij'[index % 10]}`, answer: [{ valueInteger: 3 }] })),
      }),
    ],
  };
}

describe('createFhirIngest', () => {
  it('refuses a batch of more records than a report can list, before the ingest is called', async () => {
    const bulkIngest = vi.fn();
    const push = createFhirIngest(bulkIngest);
    const answer = await push({ institutionId: 'i', body: bundle('batch', MAX_LISTED_REJECTIONS), participants: () => [] });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly', expression: ['Bundle.entry'] }] });
    expect(bulkIngest).not.toHaveBeenCalled();
  });

  it('hands a batch just within the bound, and a larger transaction, to the ingest in their modes', async () => {
    const modes: string[] = [];
    const bulkIngest = vi.fn(async (input: { mode: string; body: AsyncIterable<string> }) => {
      modes.push(input.mode);
      let lines = 0;
      for await (const line of input.body) lines += line.split('\n').length - 1;
      return {
        httpStatus: 200,
        replayed: false,
        report: { id: '0b7f5c1e-2d4a-4e8b-9c3f-6a1d2e3f4a5b', outcome: 'committed', mode: input.mode, lines, rejections: [] },
      };
    });
    const push = createFhirIngest(bulkIngest as never);
    expect((await push({ institutionId: 'i', body: bundle('batch', MAX_LISTED_REJECTIONS - 1), participants: () => [] })).status).toBe(200);
    expect(
      (await push({ institutionId: 'i', body: bundle('transaction', MAX_LISTED_REJECTIONS + 5), participants: () => [] })).status,
    ).toBe(200);
    expect(modes).toEqual(['per_record', 'atomic']);
  });
});
