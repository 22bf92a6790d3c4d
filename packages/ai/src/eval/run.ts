// The evaluations behind `flowdesk ai eval`: train on one CSV, measure on another, print a report.
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { parse } from 'csv-parse/sync';
import { LocalClassifier } from '../local/classifier/model.ts';
import type { ClassifierMode, TrainProgress } from '../local/classifier/model.ts';
import { expectedCalibrationError } from '../local/classifier/calibration.ts';
import { KnowledgeBase } from '../local/recommend/knowledge-base.ts';
import { lexiconSentiment } from '../local/sentiment/lexicon.ts';
import { toSentimentLabel } from '../local/sentiment/analyzer.ts';
import type { KbArticle } from '../provider.ts';
import { percentile } from '../util.ts';
import { readLabelledCsv } from './csv.ts';
import type { LabelledRow } from './csv.ts';
import { classificationMetrics, rankingMetrics } from './metrics.ts';
import type { ClassificationMetrics, RankingMetrics } from './metrics.ts';

export interface Output {
  out: (line: string) => void;
  /** Progress lines (stderr); `transient` lines may be overwritten in place on a terminal. */
  progress: (line: string, transient: boolean) => void;
}

export interface EvalOptions {
  task: 'classify' | 'sentiment' | 'recommend';
  train?: string;
  test: string;
  kb?: string;
  mode: ClassifierMode;
  /** Held-out fraction for calibration; undefined = the mode's default. */
  validation: number | undefined;
  seed: number;
  /** Lexicon only (sentiment): ignore --train. */
  lexicon?: boolean;
  /** Rows of the per-label table (all by default). */
  maxLabels?: number;
}

export interface ClassificationReport extends ClassificationMetrics {
  task: 'classify' | 'sentiment';
  mode: ClassifierMode | 'lexicon';
  trainRows: number;
  testRows: number;
  labels: number;
  latencyMs: { p50: number; p99: number };
  /** Process CPU time per text (user + system): unaffected by other processes competing for the cores. */
  cpuMs: { p50: number; p99: number };
  /** 1-minute load average when the evaluation finished (the machine is shared). */
  loadAverage: number;
  trainMs: number;
  embedMs: number;
  modelBytes: number;
  rssDeltaMb: number;
  validation: { examples: number; accuracy: number | null; eceBefore: number | null; eceAfter: number | null; temperature: number } | null;
  testEce: number;
}

export interface RecommendReport extends RankingMetrics {
  task: 'recommend';
  articles: number;
  queries: number;
  latencyMs: { p50: number; p99: number };
}

const fmt = (x: number, d = 4) => x.toFixed(d);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

function progressPrinter(io: Output): (p: TrainProgress) => void {
  let lastShown = '';
  return (p) => {
    const secs = `${(p.elapsedMs / 1000).toFixed(1)}s`;
    let line: string;
    let transient = true;
    const prefix = p.refit ? '[train] refit on all data: ' : '[train] ';
    switch (p.stage) {
      case 'lr':
        line = `${prefix}logistic regression epoch ${p.step}/${p.total} loss ${fmt(p.loss ?? 0)} ${secs}`;
        transient = false;
        break;
      case 'embed':
        line = `[train] sentence embeddings ${p.step}/${p.total} ${secs}`;
        if (p.step === p.total) transient = false;
        break;
      case 'svm':
        line = `${prefix}linear SVM class ${p.step}/${p.total} ${secs}`;
        if (p.step === p.total) transient = false;
        break;
      case 'features':
        line = `${prefix}features over ${p.total} texts ${secs}`;
        break;
      case 'calibrate':
        line = `[train] calibrating on ${p.total} held-out texts ${secs}`;
        break;
    }
    if (line !== lastShown) io.progress(line, transient);
    lastShown = line;
  };
}

function printClassification(io: Output, r: ClassificationReport, maxLabels?: number): void {
  io.out(`accuracy   ${fmt(r.accuracy)}`);
  io.out(`macro-F1   ${fmt(r.macroF1)}`);
  io.out(`test ECE   ${fmt(r.testEce)} (expected calibration error of the confidences)`);
  io.out(`latency    p50 ${fmt(r.latencyMs.p50, 3)} ms  p99 ${fmt(r.latencyMs.p99, 3)} ms per text (wall clock, one at a time)`);
  io.out(`cpu time   p50 ${fmt(r.cpuMs.p50, 3)} ms  p99 ${fmt(r.cpuMs.p99, 3)} ms per text (load average ${r.loadAverage.toFixed(1)} on ${cpus().length} cores)`);
  if (r.mode !== 'lexicon') {
    io.out(`training   ${(r.trainMs / 1000).toFixed(1)} s${r.embedMs ? ` (of which sentence embeddings ${(r.embedMs / 1000).toFixed(1)} s)` : ''}`);
    io.out(`model      ${mb(r.modelBytes)} serialised; memory RSS +${r.rssDeltaMb.toFixed(0)} MB`);
  }
  if (r.validation) {
    const v = r.validation;
    io.out(
      `validation ${v.examples} texts carved from train: accuracy ${v.accuracy === null ? '-' : fmt(v.accuracy)}, ECE ${v.eceBefore === null ? '-' : fmt(v.eceBefore)} -> ${v.eceAfter === null ? '-' : fmt(v.eceAfter)} after temperature scaling (T=${v.temperature.toFixed(2)})`,
    );
  }
  const rows = maxLabels ? [...r.perLabel].sort((a, b) => a.f1 - b.f1).slice(0, maxLabels) : r.perLabel;
  const width = Math.max(5, ...rows.map((m) => m.label.length));
  io.out('');
  io.out(`${'label'.padEnd(width)}  precision  recall  f1      support${maxLabels && maxLabels < r.perLabel.length ? `   (worst ${maxLabels} by F1)` : ''}`);
  for (const m of rows) io.out(`${m.label.padEnd(width)}  ${fmt(m.precision, 3).padStart(9)}  ${fmt(m.recall, 3).padStart(6)}  ${fmt(m.f1, 3).padEnd(6)}  ${String(m.support).padStart(7)}`);
  io.out('');
  io.out('top confusions (actual -> predicted: count)');
  for (const c of r.confusions.slice(0, 10)) io.out(`  ${c.actual} -> ${c.predicted}: ${c.count}`);
  if (r.confusions.length === 0) io.out('  none');
}

async function loadRows(path: string | undefined, what: string): Promise<LabelledRow[]> {
  if (!path) throw new Error(`--${what} <file.csv> is required`);
  const rows = await readLabelledCsv(path);
  if (rows.length === 0) throw new Error(`${path} has no rows`);
  return rows;
}

export async function evalClassification(options: EvalOptions, io: Output): Promise<ClassificationReport> {
  const sentiment = options.task === 'sentiment';
  const test = await loadRows(options.test, 'test');
  const lexiconOnly = sentiment && (options.lexicon === true || !options.train);
  if (lexiconOnly) {
    // Untrained: AFINN lexicon. When the test set has no neutral label, the sign of the score decides.
    const binary = !test.some((r) => toSentimentLabel(r.label) === 'neutral');
    io.out(`sentiment, lexicon only (AFINN-165), test ${test.length} rows${binary ? ' (binary labels: the sign of the score decides, 0 -> positive)' : ''}`);
    const actual: string[] = [];
    const predicted: string[] = [];
    const latencies: number[] = [];
    const confidences: number[] = [];
    for (const row of test.slice(0, 20)) lexiconSentiment(row.text);
    const cpu: number[] = [];
    for (const row of test) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = lexiconSentiment(row.text);
      latencies.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      actual.push(toSentimentLabel(row.label) ?? row.label);
      predicted.push(binary ? (r.score.score < 0 ? 'negative' : 'positive') : r.label);
      confidences.push(r.confidence);
    }
    const m = classificationMetrics(actual, predicted);
    const report: ClassificationReport = {
      ...m,
      task: 'sentiment',
      mode: 'lexicon',
      trainRows: 0,
      testRows: test.length,
      labels: new Set(actual).size,
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      cpuMs: { p50: percentile(cpu, 50), p99: percentile(cpu, 99) },
      loadAverage: loadavg()[0] ?? 0,
      trainMs: 0,
      embedMs: 0,
      modelBytes: 0,
      rssDeltaMb: 0,
      validation: null,
      testEce: expectedCalibrationError(confidences, actual.map((a, i) => a === predicted[i])),
    };
    printClassification(io, report, options.maxLabels);
    return report;
  }

  const rssBefore = process.memoryUsage().rss;
  const train = await loadRows(options.train, 'train');
  const labelOf = (l: string) => (sentiment ? (toSentimentLabel(l) ?? l) : l);
  const trainRows = train.map((r) => ({ text: r.text, label: labelOf(r.label) }));
  io.out(`${options.task}, mode ${options.mode}: train ${train.length} rows (${new Set(trainRows.map((r) => r.label)).size} labels), test ${test.length} rows, validation ${options.validation ?? 'default'}, seed ${options.seed}`);
  const model = await LocalClassifier.train(trainRows, {
    mode: options.mode,
    seed: options.seed,
    validation: options.validation,
    lexiconFeatures: sentiment,
    onProgress: progressPrinter(io),
  });
  const blob = model.serialize();
  // Warm-up (JIT, encoder graph) on a few test texts before timing; a server is long-running.
  for (const row of test.slice(0, 20)) await model.predict(row.text);
  const actual: string[] = [];
  const predicted: string[] = [];
  const latencies: number[] = [];
  const confidences: number[] = [];
  const cpu: number[] = [];
  for (const row of test) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const p = await model.predict(row.text);
    latencies.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    actual.push(labelOf(row.label));
    predicted.push(p.label);
    confidences.push(p.confidence);
  }
  const rssDeltaMb = (process.memoryUsage().rss - rssBefore) / 1e6;
  const m = classificationMetrics(actual, predicted);
  const rep = model.report;
  const report: ClassificationReport = {
    ...m,
    task: options.task === 'sentiment' ? 'sentiment' : 'classify',
    mode: options.mode,
    trainRows: train.length,
    testRows: test.length,
    labels: rep.labels,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    cpuMs: { p50: percentile(cpu, 50), p99: percentile(cpu, 99) },
    loadAverage: loadavg()[0] ?? 0,
    trainMs: rep.trainMs,
    embedMs: rep.embedMs,
    modelBytes: blob.length,
    rssDeltaMb,
    validation: rep.validationExamples
      ? { examples: rep.validationExamples, accuracy: rep.validationAccuracy, eceBefore: rep.eceBefore, eceAfter: rep.eceAfter, temperature: rep.temperature }
      : null,
    testEce: expectedCalibrationError(confidences, actual.map((a, i) => a === predicted[i])),
  };
  printClassification(io, report, options.maxLabels);
  return report;
}

/** Reads a KB CSV with columns id,title,body (header required). */
export async function readKbCsv(path: string): Promise<KbArticle[]> {
  const content = await readFile(path, 'utf8');
  const records = parse(content, { bom: true, columns: (h: string[]) => h.map((x) => x.trim().toLowerCase()), skip_empty_lines: true, relax_column_count: true }) as Record<string, string>[];
  return records.map((r, i) => {
    if (!r.id || !r.title) throw new Error(`${path}: row ${i + 2} needs an id and a title (columns id,title,body)`);
    return { id: r.id.trim(), title: r.title.trim(), body: r.body ?? '' };
  });
}

export async function evalRecommend(options: EvalOptions, io: Output): Promise<RecommendReport> {
  if (!options.kb) throw new Error('--kb <kb.csv> (columns id,title,body) is required for --task recommend');
  const articles = await readKbCsv(options.kb);
  const test = await loadRows(options.test, 'test');
  const kb = new KnowledgeBase(articles);
  const ranked: string[][] = [];
  const latencies: number[] = [];
  for (const row of test) {
    const t0 = performance.now();
    const r = kb.search(row.text, 10, 0);
    latencies.push(performance.now() - t0);
    ranked.push(r.articles.map((a) => a.id));
  }
  const m = rankingMetrics(ranked, test.map((r) => r.label));
  const report: RecommendReport = { task: 'recommend', articles: articles.length, queries: test.length, ...m, latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) } };
  io.out(`recommend: ${articles.length} articles, ${test.length} queries (label = relevant article id)`);
  io.out(`recall@1   ${fmt(m.recallAt[1] ?? 0)}`);
  io.out(`recall@3   ${fmt(m.recallAt[3] ?? 0)}`);
  io.out(`recall@10  ${fmt(m.recallAt[10] ?? 0)}`);
  io.out(`MRR        ${fmt(m.mrr)}`);
  io.out(`latency    p50 ${fmt(report.latencyMs.p50, 3)} ms  p99 ${fmt(report.latencyMs.p99, 3)} ms per query`);
  return report;
}
