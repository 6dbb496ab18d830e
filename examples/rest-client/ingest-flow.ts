import createClient from 'openapi-fetch';
import { documentedHeaders, nextStep } from './answers';
import type { operations, paths } from './registry-api.generated';

// An institution system pushing data through the REST API with a client generated from the
// registry's OpenAPI document (openapi-typescript types + openapi-fetch): no hand-written types,
// no casts. Run it against a service: `npx tsx examples/rest-client/ingest-flow.ts <url> <key> <pseudonym>`.

/** One line of the bulk NDJSON stream, as the document types it. */
type IngestLine = operations['postIngest']['requestBody']['content']['application/x-ndjson'];

export interface IngestFlowResult {
  trajectoryStatus: string;
  reportOutcome: string;
  measurementsCreated: number;
  readBack: { programmeCode: string; gender: string };
  erased: { status: string; trajectories: number };
  afterErasure: { status: number; code: string; next: string };
  /** From the answers' headers: the retried push was answered from its first report. */
  retry: { replayed: boolean; sameReport: boolean; requestId: string | undefined; rateLimitRemaining: number | undefined };
}

export async function ingestFlow(options: {
  baseUrl: string;
  apiKey: string;
  pseudonym: string;
  reference: string;
}): Promise<IngestFlowResult> {
  const client = createClient<paths>({ baseUrl: options.baseUrl, headers: { authorization: `Bearer ${options.apiKey}` } });
  const reference = options.reference;

  // 1. The trajectory, with the youth's attributes as this institution records them.
  const created = await client.PUT('/api/v1/trajectories/{reference}', {
    params: { path: { reference } },
    body: {
      subject: { pseudonym: options.pseudonym, birthYear: 2009, gender: 'girl', mildIntellectualDisability: 'no', priorYouthCare: 'yes' },
      programmeCode: 'vuurtorenhuis-baken',
      startDate: '2024-03-04',
      exploitationAtIntake: 'confirmed',
      researchConsent: 'granted',
    },
  });
  if (created.error) throw new Error(`PUT trajectory: ${created.error.code} ${created.error.message}`);

  // 2. Her measurements as one atomic NDJSON stream, retried safely with an Idempotency-Key.
  const lines: IngestLine[] = ['2024-03-11', '2024-04-15', '2024-05-20'].map((date, index) => ({
    type: 'measurement',
    reference: `${reference}-M${index}`,
    trajectoryReference: reference,
    instrumentCode: 'trauma_symptoms',
    informant: 'youth',
    date,
    value: 40 - index * 8,
  }));
  const push = () =>
    client.POST('/api/v1/ingest', {
      params: { query: { mode: 'atomic' }, header: { 'idempotency-key': `${reference}-batch-1` } },
      // The body's type is one line; the stream is every line, one JSON document each.
      body: lines[0]!,
      bodySerializer: () => `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`,
      headers: { 'content-type': 'application/x-ndjson' },
    });
  const pushed = await push();
  if (pushed.error) throw new Error(`POST ingest: ${pushed.error.code} (${nextStep(pushed.error.code)}) ${pushed.error.message}`);
  // A retry (as after a lost connection) with the same key writes nothing again: the header says so.
  const retried = await push();
  if (retried.error) throw new Error(`POST ingest again: ${retried.error.code} (${nextStep(retried.error.code)})`);
  const retryHeaders = documentedHeaders(retried.response);
  const report = await client.GET('/api/v1/ingest/reports/{id}', { params: { path: { id: pushed.data.id } } });
  if (report.error) throw new Error(`GET report: ${report.error.code}`);

  // 3. Read it back, then erase her at this institution (consent withdrawn here).
  const read = await client.GET('/api/v1/trajectories/{reference}', { params: { path: { reference } } });
  if (read.error) throw new Error(`GET trajectory: ${read.error.code}`);
  const erased = await client.POST('/api/v1/erasures', { body: { pseudonym: options.pseudonym } });
  if (erased.error) throw new Error(`POST erasures: ${erased.error.code}`);
  const gone = await client.GET('/api/v1/trajectories/{reference}', { params: { path: { reference } } });

  return {
    trajectoryStatus: created.data.status,
    reportOutcome: report.data.outcome,
    measurementsCreated: report.data.counts.measurement.created,
    readBack: { programmeCode: read.data.programmeCode, gender: read.data.subject.gender },
    erased: erased.data,
    afterErasure: { status: gone.response.status, code: gone.error?.code ?? '', next: gone.error ? nextStep(gone.error.code) : '' },
    retry: {
      replayed: retryHeaders['Idempotent-Replayed'] === 'true',
      sameReport: retried.data.id === pushed.data.id,
      requestId: retryHeaders['X-Request-Id'],
      rateLimitRemaining: retryHeaders['X-RateLimit-Remaining'],
    },
  };
}

if (process.argv[1]?.endsWith('ingest-flow.ts')) {
  const usage = 'usage: npx tsx examples/rest-client/ingest-flow.ts <base url> <institution API key> <sp1 pseudonym>\n';
  const [baseUrl, apiKey, pseudonym] = process.argv.slice(2);
  if (baseUrl === '--help' || baseUrl === '-h') {
    process.stdout.write(usage);
    process.exit(0);
  }
  if (!baseUrl || !apiKey || !pseudonym) {
    process.stderr.write(usage);
    process.exit(64);
  }
  process.stdout.write(
    `${JSON.stringify(await ingestFlow({ baseUrl, apiKey, pseudonym, reference: `EXAMPLE-${Date.now().toString(36)}` }), null, 2)}\n`,
  );
}
