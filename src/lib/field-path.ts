/** Renders a path such as ['records', 3, 'startDate'] as `records[3].startDate`. */
export function formatFieldPath(segments: ReadonlyArray<string | number>, prefix?: string): string {
  let path = prefix ?? '';
  for (const segment of segments) {
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
