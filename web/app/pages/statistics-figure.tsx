import { type Matrix, SUPPRESSED, toCsv } from '../statistics';
import { ChartFigure } from '../ui';

// A table of published statistics (strings exactly as the API gave them) and its CSV download:
// the file is made in the browser from the same matrix, so it holds exactly what is shown.

export function MatrixTable({ caption, matrix, testId }: { caption: string; matrix: Matrix; testId: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling table is reached by keyboard to scroll it (WCAG 2.1.1)
    <section className="table-scroll" tabIndex={0} aria-label={caption}>
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {matrix.header.map((header, index) => (
              <th key={header} scope="col" className={index > 0 ? 'numeric' : undefined}>
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.rows.map((row) => (
            <tr key={row.slice(0, 3).join('|')}>
              {row.map((text, index) =>
                index === 0 ? (
                  <th key={matrix.header[index]} scope="row">
                    {text}
                  </th>
                ) : (
                  <td key={matrix.header[index]} className={text === SUPPRESSED ? 'numeric suppressed' : 'numeric'}>
                    {text}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function CsvDownload({ matrix, filename }: { matrix: Matrix; filename: string }) {
  const download = () => {
    const url = URL.createObjectURL(new Blob([toCsv(matrix)], { type: 'text/csv;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = filename;
    link.click();
    // The click has handed the file to the browser; the object URL is no longer needed.
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  };
  return (
    <button type="button" className="secondary download" onClick={download}>
      Download CSV: {filename}
    </button>
  );
}

/** A chart (optional) with its table alternative and the CSV of that table. */
export function StatisticsFigure({
  id,
  title,
  description,
  draw,
  matrix,
  caption,
}: {
  id: string;
  title: string;
  description: string;
  draw?: () => SVGElement | HTMLElement;
  matrix: Matrix;
  caption: string;
}) {
  const table = <MatrixTable caption={caption} matrix={matrix} testId={`table-${id}`} />;
  return (
    <div className="statistics-figure">
      {draw ? (
        <ChartFigure id={`chart-${id}`} title={title} description={description} draw={draw} table={table} />
      ) : (
        <>
          <p className="chart-title">{title}</p>
          {description ? <p className="chart-description">{description}</p> : null}
          {table}
        </>
      )}
      <CsvDownload matrix={matrix} filename={`${id}.csv`} />
    </div>
  );
}
