// Reads `text,label` CSV files (RFC 4180: quoted fields, doubled quotes, commas and newlines inside quotes,
// optional UTF-8 BOM) with csv-parse. The header row must name a `text` and a `label` column (any order,
// other columns ignored); without a header, the first two columns are taken as text and label.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

export interface LabelledRow {
  text: string;
  label: string;
}

export function parseLabelledCsv(content: string, source = 'CSV'): LabelledRow[] {
  let records: string[][];
  try {
    records = parse(content, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: false }) as string[][];
  } catch (err) {
    throw new Error(`${source}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (records.length === 0) return [];
  const head = (records[0] as string[]).map((h) => h.trim().toLowerCase());
  let textCol = head.indexOf('text');
  let labelCol = head.indexOf('label');
  let start = 1;
  if (textCol < 0 || labelCol < 0) {
    if (textCol >= 0 || labelCol >= 0) throw new Error(`${source}: the header needs both a "text" and a "label" column`);
    textCol = 0;
    labelCol = 1;
    start = 0;
  }
  const rows: LabelledRow[] = [];
  for (let i = start; i < records.length; i++) {
    const r = records[i] as string[];
    const text = (r[textCol] ?? '').trim();
    const label = (r[labelCol] ?? '').trim();
    if (text === '' && label === '') continue;
    if (label === '') throw new Error(`${source}: row ${i + 1} has no label`);
    rows.push({ text, label });
  }
  return rows;
}

export async function readLabelledCsv(path: string): Promise<LabelledRow[]> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return parseLabelledCsv(content, path);
}
