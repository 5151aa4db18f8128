import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Markdown whose raw HTML is shown as text, never interpreted: model cards and datasheets hold people's words. */
const marked = new Marked({ gfm: true, async: false, renderer: { html: ({ text }) => escapeHtml(text) } });

/** A model card or datasheet rendered from Markdown: raw HTML escaped, then sanitized once more. */
export function Markdown({ source, label }: { source: string; label: string }) {
  const html = DOMPurify.sanitize(marked.parse(source) as string, { USE_PROFILES: { html: true } });
  return <div className="markdown" aria-label={label} dangerouslySetInnerHTML={{ __html: html }} />;
}
