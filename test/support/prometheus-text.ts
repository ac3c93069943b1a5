// A strict reader of Prometheus' text exposition format (version 0.0.4): every line must
// be a comment, a HELP/TYPE line or a sample of a declared family, or reading fails.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+-?\\d+)?$`);
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const SUFFIXES: Record<MetricFamily['type'], string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const family = (name: string) => {
    let found = families.get(name);
    if (!found) {
      found = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, found);
    }
    return found;
  };
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const help = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (help) family(help[1]!).help = help[2]!;
    else if (type) family(type[1]!).type = type[2] as MetricFamily['type'];
    else if (line.startsWith('#')) continue;
    else {
      const sample = SAMPLE_LINE.exec(line);
      if (!sample) throw new Error(`line ${index + 1} is not a sample: ${line}`);
      const [, name, labelText, valueText] = sample;
      const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
      if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`line ${index + 1}: bad value ${valueText}`);
      const owner = [...families.values()].find((candidate) =>
        SUFFIXES[candidate.type].some((suffix) => candidate.name + suffix === name),
      );
      if (!owner) throw new Error(`line ${index + 1}: ${name} belongs to no declared family`);
      owner.samples.push({ name: name!, labels: parseLabels(labelText ?? '', index + 1), value });
    }
  }
  return families;
}

function parseLabels(text: string, lineNumber: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`line ${lineNumber}: bad labels {${text}}`);
    labels[match[1]!] = match[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    if (match[3] === '') break;
  }
  return labels;
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when none. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const family of families.values()) {
    const found = family.samples.find(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
    if (found) return found.value;
  }
  return undefined;
}
