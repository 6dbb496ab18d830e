import { type ReactNode, useEffect, useRef } from 'react';
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
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling table is reached by keyboard to scroll it (WCAG 2.1.1)
    <section className="table-scroll" tabIndex={0} aria-label={caption}>
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.header} scope="col" className={column.numeric ? 'numeric' : undefined}>
                {column.header}
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
            rows.map((row, index) => (
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
    const element = draw();
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
