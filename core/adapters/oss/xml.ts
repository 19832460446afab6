// A small ordered XML tree for OSS response documents. ali-oss's own parsing loses what replication needs: the
// interleaving of <Version> and <DeleteMarker>, keys made of whitespace, and one-element lists.
import { XMLParser } from 'fast-xml-parser';

export interface XmlElement {
  name: string;
  text: string; // concatenated text of the element itself ('' when it only has child elements)
  children: XmlElement[];
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false, // a key "1e5" must stay a string
  trimValues: false, // a key may begin or end with spaces
  processEntities: true,
  htmlEntities: true, // numeric character references (&#x...;)
});

type Ordered = Record<string, unknown>[];

function toElements(nodes: Ordered): XmlElement[] {
  const out: XmlElement[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ':@');
    if (!name || name === '#text') continue;
    const inner = (node[name] as Ordered) ?? [];
    const children = toElements(inner);
    const text = children.length ? '' : inner.map((n) => String(n['#text'] ?? '')).join('');
    out.push({ name, text, children });
  }
  return out;
}

/** The root element of an XML document. */
export function parseXml(doc: string | Buffer): XmlElement {
  const roots = toElements(parser.parse(typeof doc === 'string' ? doc : doc.toString('utf8')) as Ordered);
  if (!roots.length) throw new Error('empty XML document');
  return roots[0];
}

export function childText(el: XmlElement, name: string): string | undefined {
  return el.children.find((c) => c.name === name)?.text;
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** Escapes text for an XML element body (tag values may hold `&` or `<`). */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
