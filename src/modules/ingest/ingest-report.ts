import type { RecordError } from './record-validation';
import { RECORD_TYPES, type RecordType } from './ingest.schemas';

// The ingest report: counts per record type and status, and every refused record with its
// line, reference and errors. Only the first MAX_LISTED rejections are listed, so a
// pathological stream cannot make the report itself unbounded; the counts stay exact.

export type RecordStatus = 'created' | 'updated' | 'unchanged' | 'rejected';
export type IngestMode = 'atomic' | 'per_record';
export type IngestOutcome = 'committed' | 'rolled_back' | 'dry_run';

export interface Rejection {
  line: number;
  type?: string;
  reference?: string;
  errors: RecordError[];
}

export interface IngestReport {
  id: string;
  outcome: IngestOutcome;
  mode: IngestMode;
  dryRun: boolean;
  lines: number;
  counts: Record<RecordType, Record<RecordStatus, number>> & { unknown: { rejected: number } };
  rejections: Rejection[];
  rejectionsTruncated: boolean;
  receivedAt: string;
  completedAt: string;
}

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
