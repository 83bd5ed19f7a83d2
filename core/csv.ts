/** RFC 4180 CSV: a header row, then one row per record; cells with commas, quotes or newlines are quoted. */
export function toCsv(columns: string[], rows: Array<Array<unknown>>): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[columns.map(cell).join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n')}\n`;
}
