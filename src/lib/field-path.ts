// Keys come from the client: a path repeats one only when it is a plain name (paths end up in
// stored JSON reports and logs, where control characters such as \u0000 cannot go).
const PLAIN_KEY = /^[A-Za-z0-9_$[\]-]{1,64}$/;

/** Renders a path such as ['records', 3, 'startDate'] as `records[3].startDate`. */
export function formatFieldPath(segments: ReadonlyArray<string | number>, prefix?: string): string {
  let path = prefix ?? '';
  for (const raw of segments) {
    const segment = typeof raw === 'number' || PLAIN_KEY.test(raw) ? raw : '[unprintable key]';
    if (typeof segment === 'number' || /^\d+$/.test(segment)) path += `[${segment}]`;
    else path += path ? `.${segment}` : segment;
  }
  return path;
}

/** Turns a JSON pointer ('/records/3/startDate') into segments. */
export function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}
