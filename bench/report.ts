import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

// BENCHMARKS.md: a header, then one section per benchmark, each from its `## ` heading to the next. A run of
// every benchmark writes the file anew; a run of some (`--only`) rewrites their sections and keeps the rest.

export function machineLine(database: string): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}; database: ${database}; Temporal dev server (in memory) on the same machine`;
}

const today = () => new Date().toISOString().slice(0, 10);

function header(machine: string): string {
  return `# Benchmarks

Produced by \`npm run bench\` on ${today()}. Every figure is measured against its baseline in the same run, on the same machine; compare ratios across machines, not milliseconds.

Machine: ${machine}.
`;
}

const headingOf = (section: string) => section.slice(0, section.indexOf('\n'));

/** Replaces the section that has `section`'s heading in `text`, and says in the header when it was measured. */
function replaceSection(text: string, section: string): string {
  const heading = headingOf(section);
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) return `${text.trimEnd()}\n\n${section}`;
  const next = text.indexOf('\n## ', start + 1);
  const end = next < 0 ? text.length : next;
  return `${text.slice(0, start + 1)}${section.trimEnd()}\n${text.slice(end)}`;
}

/** Writes `sections` (each a `## ` heading and its text, in the file's order): the whole file, or only those sections. */
export function writeReport(file: string, sections: string[], options: { whole: boolean; machine: string }): string {
  if (options.whole || !existsSync(file)) {
    const report = `${header(options.machine)}\n${sections.map((s) => s.trimEnd()).join('\n\n')}\n`;
    writeFileSync(file, report);
    return report;
  }
  let text = readFileSync(file, 'utf8');
  for (const section of sections) text = replaceSection(text, section);
  const names = sections.map((s) => headingOf(s).slice(3)).join(', ');
  const note = `Measured again on ${today()}, alone (\`npm run bench -- --only\`): ${names}. Machine then: ${options.machine}.`;
  const bodyAt = text.indexOf('\n## ');
  const top = text.slice(0, bodyAt).replace(/\n+Measured again on [^\n]*/, '').trimEnd();
  text = `${top}\n\n${note}\n${text.slice(bodyAt)}`;
  writeFileSync(file, text);
  return sections.join('\n');
}
