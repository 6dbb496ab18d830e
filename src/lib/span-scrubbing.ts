import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { safeOperationName } from './operation-name';

// What leaves the service in a trace. Instrumentations record more than the registry may let
// out: the raw URL (which holds an institution's references and the query string), error
// messages (PostgreSQL quotes the offending values) and the client's address. So a span is
// exported with an allow-list of attributes whose content is known, and nothing else; a value
// that still looks like a pseudonym is redacted besides.

/** Attributes whose content is known to hold no pseudonym, reference, key or value. */
const ALLOWED_ATTRIBUTES = new Set([
  // HTTP, by route pattern (http.route), never by URL.
  'http.request.method',
  'http.method',
  'http.response.status_code',
  'http.status_code',
  'http.route',
  'http.flavor',
  'http.scheme',
  'url.scheme',
  'network.protocol.version',
  'server.address',
  'server.port',
  'net.host.name',
  'net.host.port',
  // Fastify's own spans: plugin, hook and handler names.
  'fastify.type',
  'fastify.root',
  'hook.name',
  'hook.callback.name',
  'service.name',
  // PostgreSQL: the statement text with $n placeholders; its parameters are never recorded
  // (enhancedDatabaseReporting stays off) and the registry builds no SQL from values.
  'db.system',
  'db.system.name',
  'db.name',
  'db.namespace',
  'db.user',
  'db.operation',
  'db.operation.name',
  'db.statement',
  'db.query.text',
  'db.connection_string',
  'net.peer.name',
  'net.peer.port',
  'db.postgresql.idle.timeout.millis',
  'db.postgresql.max.client',
  // GraphQL: the document with every literal replaced by "*" (allowValues stays off), and
  // field paths (names and list positions, no values).
  'graphql.operation.type',
  'graphql.operation.name',
  'graphql.source',
  'graphql.field.name',
  'graphql.field.path',
  'graphql.field.type',
  'graphql.parent.name',
  // An exception's class, never its message or stack (which quote values).
  'exception.type',
  'exception.escaped',
]);

/** A source pseudonym (sp1.<43 base64url>) or any long base64url/hex token, such as a key or registry key. */
const TOKEN_PATTERN = /sp1\.[A-Za-z0-9_-]{20,}|[A-Za-z0-9_-]{40,}|[0-9a-f]{32,}/g;

/** Redacts anything shaped like a pseudonym or a key; other text is left as it is. */
export function redactTokens(text: string): string {
  return text.replace(TOKEN_PATTERN, '[redacted]');
}

/** An operation's name after its keyword (in a span name or a document): the client chose it, so only its safe form leaves. */
const NAMED_OPERATION = /\b(query|mutation|subscription)(\s+)([_A-Za-z][_0-9A-Za-z]*)/g;

/** GraphQL operation names in their safe form (operation-name.ts), as the audit trail and the metrics hold them. */
export function withSafeOperationNames(text: string): string {
  return text.replace(NAMED_OPERATION, (_match, keyword: string, space: string, name: string) => keyword + space + safeOperationName(name));
}

/**
 * An absolute path to a source file: Fastify's instrumentation names an anonymous hook after the
 * file that added it, which tells a reader of the traces where the service is installed.
 */
const SOURCE_FILE_PATH = /(?:file:\/\/)?(?:\/[^\s/]+)*\/([^\s/]+\.[cm]?[jt]sx?)\b/g;

/** The path from its package on (`mercurius/lib/routes.js`), or the file name alone. */
export function withoutFilePaths(text: string): string {
  return text.replace(SOURCE_FILE_PATH, (path: string, file: string) => {
    const at = path.lastIndexOf('/node_modules/');
    return at >= 0 ? path.slice(at + '/node_modules/'.length) : file;
  });
}

const scrubText = (text: string) => withoutFilePaths(withSafeOperationNames(redactTokens(text)));

export function scrubAttributes(attributes: Attributes): Attributes {
  const kept: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!ALLOWED_ATTRIBUTES.has(key) || value === undefined) continue;
    // Arrays are kept only as they are (no allowed attribute holds a list of text).
    if (key === 'graphql.operation.name' && typeof value === 'string') kept[key] = safeOperationName(redactTokens(value));
    else kept[key] = typeof value === 'string' ? scrubText(value) : value;
  }
  return kept;
}

/** The span as it may be exported: allowed attributes, no status message, events without messages. */
export function scrubSpan(span: ReadableSpan): ReadableSpan {
  return {
    name: scrubText(span.name),
    kind: span.kind,
    spanContext: () => span.spanContext(),
    ...(span.parentSpanContext ? { parentSpanContext: span.parentSpanContext } : {}),
    startTime: span.startTime,
    endTime: span.endTime,
    // Instrumentations set the error's message here.
    status: { code: span.status.code },
    attributes: scrubAttributes(span.attributes),
    links: span.links.map((link) => ({
      context: link.context,
      ...(link.attributes ? { attributes: scrubAttributes(link.attributes) } : {}),
    })),
    events: span.events.map((event) => ({
      ...event,
      name: scrubText(event.name),
      ...(event.attributes ? { attributes: scrubAttributes(event.attributes) } : {}),
    })),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** Wraps the configured exporter: every span is scrubbed on its way out. */
export function scrubbingExporter(inner: SpanExporter): SpanExporter {
  return {
    export: (spans, resultCallback) => inner.export(spans.map(scrubSpan), resultCallback),
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}
