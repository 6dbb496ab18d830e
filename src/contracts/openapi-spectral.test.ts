import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintOpenapiWithSpectral } from './openapi-spectral';

// The committed document passes spectral:oas clean, and the linter does report what is wrong
// in a broken copy (else a clean result would say nothing).

const committed = fs.readFileSync('openapi.json', 'utf8');
/** Spectral takes about 2 s over the document on a quiet machine, and several times that under load. */
const LINT = { timeout: 60_000 };

describe('spectral:oas over openapi.json', () => {
  it('finds no error and no warning in the committed document', LINT, async () => {
    expect(await lintOpenapiWithSpectral(committed)).toEqual([]);
  });

  it('reports errors in a broken copy: a duplicated operationId and a schema type that does not exist', LINT, async () => {
    const document = JSON.parse(committed);
    const [first, second] = Object.values(document.paths as Record<string, Record<string, { operationId: string }>>).map(
      (operations) => Object.values(operations)[0]!,
    );
    second!.operationId = first!.operationId;
    document.components.schemas.Error.properties.status.type = 'number-ish';
    delete document.info.contact;
    const findings = await lintOpenapiWithSpectral(JSON.stringify(document, null, 2));
    const errors = findings.filter((finding) => finding.severity === 'error').map((finding) => finding.rule);
    expect(errors).toContain('operation-operationId-unique');
    expect(errors).toContain('oas3-schema');
    expect(findings.filter((finding) => finding.severity === 'warning').map((finding) => finding.rule)).toEqual(['info-contact']);
  });
});
