import type { Registry } from "prom-client";

/** The value of a metric's series with exactly these labels (undefined when absent). */
export async function valueOf(registry: Registry, name: string, labels: Record<string, string | number> = {}, metricName?: string): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const wanted = JSON.stringify(Object.entries(labels).map(([k, v]) => [k, String(v)]).sort());
  const value = metric?.values.find((v) => {
    const own = JSON.stringify(Object.entries(v.labels).map(([k, x]) => [k, String(x)]).sort());
    return own === wanted && (metricName === undefined || (v as { metricName?: string }).metricName === metricName);
  });
  return value?.value;
}

/** The series of a metric (its labels), from a registry. */
export async function seriesOf(registry: Registry, name: string): Promise<Array<Record<string, string | number | undefined>>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).map((v) => v.labels);
}
