import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest folder `name` above a module that holds `marker`. Searched for rather than fixed,
 * because the service runs from src/ (tsx) and from a bundle chunk in dist/ (npm run build) alike.
 */
export function findAbove(moduleUrl: string, name: string, marker: string): string {
  for (let directory = path.dirname(fileURLToPath(moduleUrl)); ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, name);
    if (fs.existsSync(path.join(candidate, marker))) return candidate;
    if (path.dirname(directory) === directory) throw new Error(`no ${name}/ folder (with ${marker}) above the service`);
  }
}
