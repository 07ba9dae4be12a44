import type { Figure, Scenario } from "./scenario.js";
import type { TargetName } from "./targets.js";

/** Everything measured for one scenario: the figures of every round, per target. */
export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly rounds: Map<TargetName, Figure[][]>;
  failedCalls: number;
  /** Set when a sanity check, a run or a timeout stopped the scenario. */
  error?: string;
  /** Why it did not run, or stopped early. */
  notes: string[];
}

/** A compact table: per scenario and metric, the median of the rounds per target, and each target over the baseline. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const targets = [...new Set(results.flatMap((result) => result.scenario.targets))];
  const baseline = targets[0];
  const header = ["scenario", "metric", ...targets, ...targets.slice(1).map((name) => `${name}/${baseline}`)];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const result of results) {
    const scenarioNotes = result.error === undefined ? result.notes : [...result.notes, `failed: ${result.error}`];
    notes.push(...scenarioNotes.map((note) => `${result.scenario.name}: ${note}`));
    const metrics = [...new Set([...result.rounds.values()].flat(2).map((figure) => figure.metric))];
    metrics.forEach((metric, index) => {
      const medians = targets.map((target) => summarise(result.rounds.get(target), metric));
      const base = medians[0]?.median;
      rows.push([
        index === 0 ? result.scenario.name : "",
        metric,
        ...medians.map((summary) => (summary === undefined ? "-" : formatSummary(summary))),
        ...medians.slice(1).map((summary) => (summary === undefined || base === undefined ? "-" : (summary.median / base).toFixed(2))),
      ]);
    });
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd();
  return [line(header), ...rows.map(line), ...notes.map((note) => `note: ${note}`)].join("\n");
}

interface Summary {
  readonly median: number;
  /** Half the range of the rounds, relative to the median. */
  readonly spread: number;
  readonly unit: string;
}

function summarise(rounds: Figure[][] | undefined, metric: string): Summary | undefined {
  const figures = (rounds ?? []).flatMap((round) => round.filter((figure) => figure.metric === metric));
  const first = figures[0];
  if (first === undefined) return undefined;
  const values = figures.map((figure) => figure.value).sort((a, b) => a - b);
  const middle = values.length >> 1;
  const median = values.length % 2 === 1 ? (values[middle] ?? 0) : ((values[middle - 1] ?? 0) + (values[middle] ?? 0)) / 2;
  const spread = ((values[values.length - 1] ?? 0) - (values[0] ?? 0)) / 2 / median;
  return { median, spread, unit: first.unit };
}

function formatSummary({ median, spread, unit }: Summary): string {
  return `${formatNumber(median)} ${unit} ±${(spread * 100).toFixed(spread < 0.1 ? 1 : 0)}%`;
}

/** Thousands separated above 1000, three significant digits below. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return String(Number(value.toPrecision(3)));
}
