/** The value of an unlabelled sample in the Prometheus text exposition (`GET /metrics`), or `undefined` when absent. */
export function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}
