import { type ReactNode, useEffect, useRef, useState } from 'react';
import { messageFor } from './api';

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

/** The API's refusal or failure, with its stable code and the request id to quote. */
export function ErrorMessage({ error }: { error: unknown }) {
  const { code, text, detail, requestId } = messageFor(error);
  return (
    <div className="error" role="alert" data-error-code={code}>
      <p>
        <strong>{text}</strong>
      </p>
      {detail ? <p data-testid="error-detail">The registry says: {detail}</p> : null}
      <p className="error-detail">
        Code <code>{code}</code>
        {requestId ? (
          <>
            {' '}
            · request id <code>{requestId}</code>
          </>
        ) : null}
      </p>
    </div>
  );
}

export interface Column<Row> {
  header: string;
  cell: (row: Row) => ReactNode;
  numeric?: boolean;
  /** Makes the column sortable by this value (a button in its header; the rows shown are sorted). */
  sortValue?: (row: Row) => string | number | null;
}

type Sort = { header: string; direction: 'ascending' | 'descending' } | null;

function sorted<Row>(rows: Row[], columns: Column<Row>[], sort: Sort): Row[] {
  const column = sort && columns.find((c) => c.header === sort.header);
  if (!sort || !column?.sortValue) return rows;
  const value = column.sortValue;
  const sign = sort.direction === 'ascending' ? 1 : -1;
  // Empty values last either way; the sort is stable, so equal values keep the API's order.
  return [...rows].sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return (x < y ? -1 : x > y ? 1 : 0) * sign;
  });
}

export function DataTable<Row>({
  caption,
  columns,
  rows,
  testId,
}: {
  caption: string;
  columns: Column<Row>[];
  rows: Row[];
  testId?: string;
}) {
  const [sort, setSort] = useState<Sort>(null);
  const shown = sorted(rows, columns, sort);
  const toggle = (header: string) =>
    setSort((current) =>
      current?.header === header && current.direction === 'ascending'
        ? { header, direction: 'descending' }
        : { header, direction: 'ascending' },
    );
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling table is reached by keyboard to scroll it (WCAG 2.1.1)
    <section className="table-scroll" tabIndex={0} aria-label={caption}>
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th
                key={column.header}
                scope="col"
                className={column.numeric ? 'numeric' : undefined}
                aria-sort={column.sortValue ? (sort?.header === column.header ? sort.direction : 'none') : undefined}
              >
                {column.sortValue ? (
                  <button type="button" className="sort" onClick={() => toggle(column.header)}>
                    {column.header}
                    <span aria-hidden="true">{sort?.header === column.header ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ' ⇅'}</span>
                  </button>
                ) : (
                  column.header
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length}>No data.</td>
            </tr>
          ) : (
            shown.map((row, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
              <tr key={index}>
                {columns.map((column) => (
                  <td key={column.header} className={column.numeric ? 'numeric' : undefined}>
                    {column.cell(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </section>
  );
}

/**
 * Observable Plot names its marks and axes with `aria-label` (and `aria-description`) on <g>
 * elements, which have no role that may carry a name: axe-core reports each as a serious
 * `aria-prohibited-attr`. The chart is one image named by its caption, with the same data as a
 * table beside it, so the inner names go; they stay readable as `data-mark` (tests select by it).
 */
export function withoutInnerLabels<T extends Element>(chart: T): T {
  for (const element of chart.querySelectorAll('[aria-label], [aria-description]')) {
    const label = element.getAttribute('aria-label');
    if (label !== null) element.setAttribute('data-mark', label);
    element.removeAttribute('aria-label');
    element.removeAttribute('aria-description');
  }
  return chart;
}

/**
 * A chart with its caption and its table alternative. The SVG is drawn by Observable Plot into
 * the figure; the same data as a table sits in a disclosure right under it (keyboard: Tab to
 * "Table", Enter).
 */
export function ChartFigure({
  id,
  title,
  description,
  draw,
  table,
}: {
  id: string;
  title: string;
  description: string;
  draw: () => SVGElement | HTMLElement;
  table: ReactNode;
}) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = withoutInnerLabels(draw());
    element.setAttribute('role', 'img');
    element.setAttribute('aria-labelledby', `${id}-title`);
    element.setAttribute('aria-describedby', `${id}-description`);
    holder.current?.replaceChildren(element);
    return () => element.remove();
  });
  return (
    <figure className="chart" id={id} data-testid={id}>
      <figcaption>
        <span id={`${id}-title`} className="chart-title">
          {title}
        </span>
        <span id={`${id}-description`} className="chart-description">
          {description}
        </span>
      </figcaption>
      <div ref={holder} className="chart-canvas" />
      <details className="chart-table">
        <summary>Table: the data of this chart</summary>
        {table}
      </details>
    </figure>
  );
}
