// Which of the types a route can answer in the Accept header allows (RFC 9110 §12.5.1): the most
// specific media range that matches decides a type's weight, q=0 rules a type out, and among
// equal weights the route's own order wins. No Accept header accepts anything.

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [range = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const [type, subtype] = range.split('/');
    if (!type || !subtype) continue;
    const qParameter = parameters.find((parameter) => parameter.startsWith('q='));
    const q = qParameter === undefined ? 1 : Number(qParameter.slice(2));
    ranges.push({ type, subtype, q: Number.isFinite(q) && q >= 0 && q <= 1 ? q : 0 });
  }
  return ranges;
}

/** 2 for type/subtype, 1 for type/*, 0 for *\/*; -1 when the range does not match. */
function specificity(range: MediaRange, type: string, subtype: string): number {
  if (range.type === '*' && range.subtype === '*') return 0;
  if (range.type !== type) return -1;
  if (range.subtype === '*') return 1;
  return range.subtype === subtype ? 2 : -1;
}

/** The offered type to answer in, or undefined when the header allows none of them (406). */
export function negotiate(accept: string | undefined, offered: readonly string[]): string | undefined {
  if (accept === undefined || accept.trim() === '') return offered[0];
  const ranges = parseAccept(accept);
  let best: { type: string; q: number } | undefined;
  for (const candidate of offered) {
    const [type = '', subtype = ''] = candidate.split('/');
    let match: MediaRange | undefined;
    let matchSpecificity = -1;
    for (const range of ranges) {
      const found = specificity(range, type, subtype);
      if (found > matchSpecificity) {
        match = range;
        matchSpecificity = found;
      }
    }
    if (match && match.q > 0 && (!best || match.q > best.q)) best = { type: candidate, q: match.q };
  }
  return best?.type;
}
