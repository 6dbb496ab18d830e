// The one place that defines the database schema; migrations are generated from it.
export * from './access';
export * from './catalogue';
export * from './organisations';
export * from './records';
export * from './ingest';
export * from './audit';
export * from './indicators';
export * from './statistics';
export * from './research';
