import fs from 'node:fs';
import { lintOpenapiWithSpectral } from '../src/contracts/openapi-spectral';

// npm run lint:openapi (with Redocly): Spectral's spectral:oas over the committed openapi.json.
// Exits 1 on any error or warning, so a new one fails CI instead of piling up.

const file = process.argv[2] ?? 'openapi.json';
const findings = await lintOpenapiWithSpectral(fs.readFileSync(file, 'utf8'), file);
for (const finding of findings) {
  process.stdout.write(`${file}:${finding.line} ${finding.severity} ${finding.rule} ${finding.path}: ${finding.message}\n`);
}
const count = (severity: string) => findings.filter((finding) => finding.severity === severity).length;
process.stdout.write(`spectral:oas: ${count('error')} errors, ${count('warning')} warnings in ${file}\n`);
process.exit(count('error') + count('warning') > 0 ? 1 : 0);
