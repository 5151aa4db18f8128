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

/** A header note without the sections named (its list is `; `-separated); null when none is left. */
function withoutSections(note: string, names: string[]): string | null {
  const match = /^(Measured again on [^:]*: )(.*)(\. Machine then: .*)$/s.exec(note);
  if (!match) return note;
  const left = match[2]!.split('; ').filter((name) => !names.includes(name));
  return left.length > 0 ? `${match[1]}${left.join('; ')}${match[3]}` : null;
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
  const bodyAt = text.indexOf('\n## ');
  const [top, ...notes] = text.slice(0, bodyAt).trimEnd().split(/\n\n(?=Measured again on )/);
  const names = sections.map((s) => headingOf(s).slice(3));
  // Each note names the sections last measured then; a section measured again leaves the older note.
  const kept = notes.map((note) => withoutSections(note, names)).filter((note): note is string => note !== null);
  const note = `Measured again on ${today()}, alone (\`npm run bench -- --only\`): ${names.join('; ')}. Machine then: ${options.machine}.`;
  text = `${[top, ...kept, note].join('\n\n')}\n${text.slice(bodyAt)}`;
  writeFileSync(file, text);
  return sections.join('\n');
}
