import type { z } from 'zod';
import { RECORD_TYPES, type RecordType } from './ingest.schemas';
import type { ingestReportSchema, rejectionSchema } from './responses.schemas';

// The ingest report: counts per record type and status, and every refused record with its
// line, reference and errors. Only the first MAX_LISTED rejections are listed, so a
// pathological stream cannot make the report itself unbounded; the counts stay exact.
// Its shape is the response schema's (responses.schemas.ts): what is built is what is answered.

export type IngestReport = z.infer<typeof ingestReportSchema>;
export type RecordStatus = keyof IngestReport['counts'][RecordType];
export type IngestMode = IngestReport['mode'];
export type IngestOutcome = IngestReport['outcome'];
export type Rejection = z.infer<typeof rejectionSchema>;

export const MAX_LISTED_REJECTIONS = 1_000;

export class IngestReportBuilder {
  private readonly counts = Object.fromEntries(
    RECORD_TYPES.map((type) => [type, { created: 0, updated: 0, unchanged: 0, rejected: 0 }]),
  ) as Record<RecordType, Record<RecordStatus, number>>;
  private unknownRejected = 0;
  private readonly rejections: Rejection[] = [];
  private rejectedTotal = 0;
  private lastLine = 0;
  private readonly receivedAt = new Date();

  private finished: IngestReport | undefined;

  constructor(
    readonly id: string,
    readonly mode: IngestMode,
    readonly dryRun: boolean,
  ) {}

  /** The final report, built once: what is stored and what is answered are the same object. */
  finish(outcome: IngestOutcome): IngestReport {
    this.finished ??= this.build(outcome);
    return this.finished;
  }

  get hasRejections(): boolean {
    return this.rejectedTotal > 0;
  }

  sawLine(line: number): void {
    this.lastLine = Math.max(this.lastLine, line);
  }

  accept(type: RecordType, status: Exclude<RecordStatus, 'rejected'>): void {
    this.counts[type][status] += 1;
  }

  reject(rejection: Rejection): void {
    this.rejectedTotal += 1;
    const type = RECORD_TYPES.find((candidate) => candidate === rejection.type);
    if (type) this.counts[type].rejected += 1;
    else this.unknownRejected += 1;
    if (this.rejections.length < MAX_LISTED_REJECTIONS) this.rejections.push(rejection);
  }

  private build(outcome: IngestOutcome): IngestReport {
    return {
      id: this.id,
      outcome,
      mode: this.mode,
      dryRun: this.dryRun,
      lines: this.lastLine,
      counts: { ...this.counts, unknown: { rejected: this.unknownRejected } },
      rejections: [...this.rejections].sort((a, b) => a.line - b.line),
      rejectionsTruncated: this.rejectedTotal > this.rejections.length,
      receivedAt: this.receivedAt.toISOString(),
      completedAt: new Date().toISOString(),
    };
  }
}
