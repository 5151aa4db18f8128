// The parser's published package has no types: the shape it returns, as the tests read it.
declare module 'parse-prometheus-text-format' {
  export interface PrometheusFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: { value?: string; count?: string; sum?: string; labels?: Record<string, string>; buckets?: Record<string, string> }[];
  }
  export default function parse(text: string): PrometheusFamily[];
}
