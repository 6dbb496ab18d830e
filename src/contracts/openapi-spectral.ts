import { Document, Spectral } from '@stoplight/spectral-core';
import Parsers from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';

// Spectral's spectral:oas rules (recommended set) over the OpenAPI document, as CI runs them
// (scripts/lint-openapi-spectral.ts). Redocly lints the same document; each catches what the
// other does not (Spectral refused a \p{Cc} pattern Redocly let through).

export interface SpectralFinding {
  rule: string;
  severity: 'error' | 'warning' | 'info' | 'hint';
  path: string;
  message: string;
  line: number;
}

const SEVERITIES = ['error', 'warning', 'info', 'hint'] as const;

/** The findings of spectral:oas on an OpenAPI document given as JSON text. */
export async function lintOpenapiWithSpectral(text: string, source = 'openapi.json'): Promise<SpectralFinding[]> {
  const spectral = new Spectral();
  spectral.setRuleset({ extends: [[oas as never, 'recommended']] });
  const results = await spectral.run(new Document(text, Parsers.Json, source));
  return results.map((result) => ({
    rule: String(result.code),
    severity: SEVERITIES[result.severity] ?? 'error',
    path: result.path.join('.'),
    message: result.message,
    line: result.range.start.line + 1,
  }));
}
