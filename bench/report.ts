import type { BenchConfig } from './config.js';
import type { Environment } from './environment.js';
import type { Measurements } from './run-in-child.js';
import type { MetricSpec, ScenarioSpec } from './scenarios.js';
import { median } from './statistics.js';
import type { SystemId } from './systems/system.js';

/** One child-process run: one round of one scenario for one system. */
export interface RunRecord {
  scenario: string;
  system: SystemId;
  round: number;
  measurements?: Measurements;
  error?: string;
}

export interface SummaryRow {
  scenario: string;
  metric: MetricSpec;
  medians: Partial<Record<SystemId, number>>;
  /** > 1 means nestjs-background is better, whichever direction the metric goes. */
  ratio: number;
  /** Successful rounds per system. */
  rounds: Partial<Record<SystemId, number>>;
}

export interface BenchResults {
  environment: Environment;
  config: BenchConfig;
  scenarios: ScenarioSpec[];
  summary: SummaryRow[];
  cpuBreakdown: CpuRow[];
  runs: RunRecord[];
}

export interface CpuRow {
  scenario: string;
  system: SystemId;
  redisCpuPercent: number;
  nodeCpuPercent: number;
  redisCpuUsPerJob: number;
  nodeCpuUsPerJob: number;
}

const SYSTEM_LABELS: Record<SystemId, string> = { 'nestjs-background': 'nestjs-background', bullmq: 'BullMQ' };

function medianOf(runs: RunRecord[], scenario: string, system: SystemId, key: string): { value: number; rounds: number } {
  const values = runs
    .filter((r) => r.scenario === scenario && r.system === system && r.measurements)
    .map((r) => r.measurements![key])
    .filter(Number.isFinite);
  return { value: median(values), rounds: values.length };
}

export function summarize(scenarios: ScenarioSpec[], systems: SystemId[], runs: RunRecord[]): { summary: SummaryRow[]; cpuBreakdown: CpuRow[] } {
  const summary: SummaryRow[] = [];
  const cpuBreakdown: CpuRow[] = [];
  for (const scenario of scenarios) {
    for (const metric of scenario.metrics) {
      const row: SummaryRow = { scenario: scenario.id, metric, medians: {}, rounds: {}, ratio: NaN };
      for (const system of systems) {
        const { value, rounds } = medianOf(runs, scenario.id, system, metric.key);
        row.medians[system] = value;
        row.rounds[system] = rounds;
      }
      const ours = row.medians['nestjs-background'] ?? NaN;
      const bull = row.medians.bullmq ?? NaN;
      row.ratio = metric.better === 'higher' ? ours / bull : bull / ours;
      summary.push(row);
    }
    for (const system of systems) {
      const value = (key: string) => medianOf(runs, scenario.id, system, key).value;
      if (!Number.isFinite(value('redisCpuPercent'))) continue;
      cpuBreakdown.push({
        scenario: scenario.id,
        system,
        redisCpuPercent: value('redisCpuPercent'),
        nodeCpuPercent: value('nodeCpuPercent'),
        redisCpuUsPerJob: value('redisCpuUsPerJob'),
        nodeCpuUsPerJob: value('nodeCpuUsPerJob'),
      });
    }
  }
  return { summary, cpuBreakdown };
}

function formatValue(value: number | undefined, unit: string): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  if (unit === 'jobs/s' || unit === 'bytes') return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2);
}

function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a';
}

function formatRounds(row: SummaryRow, systems: SystemId[]): string {
  const counts = systems.map((s) => row.rounds[s] ?? 0);
  return counts.every((c) => c === counts[0]) ? String(counts[0]) : counts.join(' / ');
}

function inMatrix(results: BenchResults, scenarioId: string): boolean {
  return results.scenarios.some((s) => s.id === scenarioId && s.group === 'matrix');
}

/** Header + rows of the main table, as plain strings (shared by the console and markdown renderers). */
function mainTable(results: BenchResults): string[][] {
  const systems = results.config.systems;
  const header = ['scenario', 'unit (better)', ...systems.map((s) => SYSTEM_LABELS[s]), 'ratio', 'rounds'];
  const rows = results.summary.filter((row) => !inMatrix(results, row.scenario)).map((row) => [
    row.metric.label,
    `${row.metric.unit} (${row.metric.better})`,
    ...systems.map((s) => formatValue(row.medians[s], row.metric.unit)),
    formatRatio(row.ratio),
    formatRounds(row, systems),
  ]);
  return [header, ...rows];
}

/** The matrix rows, one line each: jobs/s, Redis commands and Redis CPU per job, both sides. */
function matrixTable(results: BenchResults): string[][] {
  const value = (scenario: string, key: string, system: SystemId) =>
    results.summary.find((r) => r.scenario === scenario && r.metric.key === key)?.medians[system];
  const header = ['configuration (c=50 unless said)', 'jobs/s ours', 'jobs/s BullMQ', 'ratio', 'cmds/job ours', 'cmds/job BullMQ', 'Redis µs/job ours', 'Redis µs/job BullMQ'];
  const rows = results.summary
    .filter((row) => inMatrix(results, row.scenario) && row.metric.key === 'jobsPerSecond')
    .map((row) => [
      row.metric.label,
      formatValue(row.medians['nestjs-background'], 'jobs/s'),
      formatValue(row.medians.bullmq, 'jobs/s'),
      formatRatio(row.ratio),
      ...(['redisCommandsPerJob', 'redisCpuUsPerJob'] as const).flatMap((key) =>
        (['nestjs-background', 'bullmq'] as const).map((system) => formatValue(value(row.scenario, key, system), 'µs/job')),
      ),
    ]);
  return rows.length ? [header, ...rows] : [];
}

const MATRIX_NOTE =
  'Matrix: a backlog of no-op jobs, one worker process (M(i): three), metrics off on both sides but in M(c); ' +
  'ratio = jobs/s ours / BullMQ, medians over the rounds. Start latency (p50/p99) is scenario 5 only (c=10, 1000 jobs/s open loop).';

function cpuTable(results: BenchResults): string[][] {
  const header = ['scenario', 'system', 'Redis CPU % of a core', 'Node CPU % of a core', 'Redis µs/job', 'Node µs/job'];
  const rows = results.cpuBreakdown.map((row) => [
    row.scenario,
    SYSTEM_LABELS[row.system],
    row.redisCpuPercent.toFixed(0),
    row.nodeCpuPercent.toFixed(0),
    row.redisCpuUsPerJob.toFixed(1),
    row.nodeCpuUsPerJob.toFixed(1),
  ]);
  return [header, ...rows];
}

const RATIO_NOTE =
  'ratio = nestjs-background / BullMQ when higher is better, BullMQ / nestjs-background when lower is better: above 1.00x nestjs-background is better. ' +
  'Values are medians over the rounds; rounds = successful rounds per system (scenarios 7 and 9 run once by design).';

const CPU_NOTE =
  'CPU while each throughput scenario ran (medians). Node CPU is the process(es) running the library: the producer for enqueue scenarios, the worker process(es) for processing. A Redis figure near 100 % means Redis is the bottleneck; the machine has 2 cores in total.';

/** Measurements that are 0 when the library did what was asked: no job run twice, none lost, none failed. */
const CORRECTNESS_KEYS = ['duplicateStarts', 'extraStarts', 'missingJobs', 'failedJobs'];

/** Failed runs, and runs where a correctness check did not come out 0. */
function problems(results: BenchResults): string[] {
  return results.runs.flatMap((r) => {
    const run = `${r.scenario} / ${r.system} / round ${r.round}`;
    if (r.error) return [`${run}: FAILED: ${r.error.split('\n')[0]}`];
    return CORRECTNESS_KEYS.filter((key) => (r.measurements?.[key] ?? 0) !== 0).map((key) => `${run}: ${key}=${r.measurements![key]}`);
  });
}

function plainTable(table: string[][]): string {
  const widths = table[0].map((_, col) => Math.max(...table.map((row) => row[col].length)));
  const line = (row: string[]) => row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join(' | ');
  return [line(table[0]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...table.slice(1).map(line)].join('\n');
}

function markdownTable(table: string[][]): string {
  const line = (row: string[]) => `| ${row.join(' | ')} |`;
  const align = table[0].map((_, col) => (col === 0 ? ':--' : '--:'));
  return [line(table[0]), line(align), ...table.slice(1).map(line)].join('\n');
}

function environmentLine({ environment: e }: BenchResults): string {
  return `${e.date} · Node ${e.node} · Redis ${e.redis} · ${e.cores} cores (${e.cpu}) · ${e.memoryGiB} GiB · nestjs-background ${e.nestjsBackground} · BullMQ ${e.bullmq}`;
}

function modeLine({ config }: BenchResults): string {
  return `${config.quick ? 'BENCH_QUICK=1 (small counts)' : 'full counts'} · ${config.rounds} round(s) · BullMQ job options: ${config.bullmqJobOptions}${config.dashboard ? ' · BENCH_DASHBOARD=1 (nestjs-background: dashboard imported, one page open)' : ''}`;
}

export function renderConsole(results: BenchResults): string {
  const failed = problems(results);
  return [
    environmentLine(results),
    modeLine(results),
    '',
    ...(mainTable(results).length > 1 ? [plainTable(mainTable(results)), RATIO_NOTE] : []),
    ...(matrixTable(results).length ? ['', plainTable(matrixTable(results)), MATRIX_NOTE] : []),
    ...(results.cpuBreakdown.length ? ['', plainTable(cpuTable(results))] : []),
    ...(failed.length ? ['', 'Problems:', ...failed.map((f) => `  ${f}`)] : []),
  ].join('\n');
}

export function renderMarkdown(results: BenchResults): string {
  const failed = problems(results);
  return [
    '# Benchmark: nestjs-background vs BullMQ',
    '',
    `${environmentLine(results)}  `,
    modeLine(results),
    '',
    ...(mainTable(results).length > 1 ? [markdownTable(mainTable(results)), '', RATIO_NOTE] : []),
    ...(matrixTable(results).length ? ['', '## Matrix: what users write', '', markdownTable(matrixTable(results)), '', MATRIX_NOTE] : []),
    ...(results.cpuBreakdown.length ? ['', '## Where the CPU goes', '', markdownTable(cpuTable(results)), '', CPU_NOTE] : []),
    ...(failed.length ? ['', '## Problems', '', ...failed.map((f) => `- ${f}`)] : []),
    '',
  ].join('\n');
}
