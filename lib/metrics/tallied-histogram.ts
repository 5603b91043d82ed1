import { Histogram, type HistogramConfiguration, type LabelValues } from 'prom-client';

/** One label set's observations: a count per bucket (the last one past every bound), their sum and count. */
export interface HistogramTally<T extends string> {
  readonly labels: LabelValues<T>;
  readonly buckets: number[];
  sum: number;
  count: number;
}

type Exported<T extends string> = Awaited<ReturnType<Histogram<T>['get']>>;

/**
 * A Prometheus histogram whose observations are plain increments of tallies kept here, read out
 * at scrape time. prom-client's own `observe` validates and hashes the labels on every call
 * (about a third of a microsecond), which a worker would pay twice for every job it runs.
 */
export class TalliedHistogram<T extends string> extends Histogram<T> {
  private readonly tallies: HistogramTally<T>[] = [];
  private readonly bounds: number[];

  constructor(private readonly config: HistogramConfiguration<T> & { buckets: number[] }) {
    super(config);
    this.bounds = [...config.buckets].sort((a, b) => a - b);
  }

  /** A new tally for `labels`, exported from now on; the caller keeps it and records into it. */
  tally(labels: LabelValues<T>): HistogramTally<T> {
    const tally = { labels, buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
    this.tallies.push(tally);
    return tally;
  }

  record(tally: HistogramTally<T>, value: number): void {
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]!) bucket++;
    tally.buckets[bucket]!++;
    tally.sum += value;
    tally.count++;
  }

  override async get(): Promise<Exported<T>> {
    const name = this.config.name;
    const values: Exported<T>['values'] = [];
    for (const { labels, buckets, sum, count } of this.tallies) {
      let cumulative = 0;
      this.bounds.forEach((bound, index) => {
        cumulative += buckets[index]!;
        values.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: count, metricName: `${name}_bucket` });
      values.push({ labels, value: sum, metricName: `${name}_sum` });
      values.push({ labels, value: count, metricName: `${name}_count` });
    }
    // as prom-client's own get() returns it: its typings declare `type` as a numeric enum and a
    // `collect` member that its objects do not have at run time
    return { name, help: this.config.help, type: 'histogram', values, aggregator: 'sum' } as unknown as Exported<T>;
  }

  /** What the registry reads for its text output (prom-client's own reads its internal map). */
  getForPromString(): Promise<Exported<T>> {
    return this.get();
  }

  /** Zeroes the tallies in place: their holders keep recording into them. */
  override reset(): void {
    // prom-client's constructor resets before this class's fields exist
    for (const tally of this.tallies ?? []) {
      tally.buckets.fill(0);
      tally.sum = 0;
      tally.count = 0;
    }
  }
}
