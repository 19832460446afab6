// A single-pass scanner of the two listing documents a backfill reads for every key (ListBucketResult,
// ListVersionsResult). The general parser (xml.ts) builds a tree and spent 0.07 ms of CPU per entry, which bound
// an in-sync re-run; this one reads the root's children and their leaf fields straight from the string.
// It decodes the five XML entities and numeric references and reads CDATA; anything it does not expect
// (a malformed document, an unknown entity) throws ScanUnsupported, and the caller falls back to the tree.

export class ScanUnsupported extends Error {}

/** One child of the root: its text when it is a leaf, else its own leaf children's texts (deeper ones ignored). */
export interface ScannedChild {
  name: string;
  text: string;
  fields: Record<string, string> | null;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML reads every raw CR or CRLF as LF (a CR the document means is written &#13;). */
function lineEnds(s: string): string {
  return s.indexOf('\r') < 0 ? s : s.replace(/\r\n?/g, '\n');
}

function decodeEntities(raw: string): string {
  const s = lineEnds(raw);
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&([^;&]*);|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new ScanUnsupported('bare & in text');
    const named = NAMED[ref];
    if (named !== undefined) return named;
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (!m) throw new ScanUnsupported(`entity ${whole}`);
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10);
    if (cp > 0x10ffff) throw new ScanUnsupported(`entity ${whole}`);
    return String.fromCodePoint(cp);
  });
}

/** End of the tag that opens at `lt` (the index of its '>'), stepping over quoted attribute values. */
function tagEnd(doc: string, lt: number): number {
  let gt = doc.indexOf('>', lt);
  if (gt < 0) throw new ScanUnsupported('unterminated tag');
  for (let j = lt + 1; j < gt; j++) {
    const c = doc.charCodeAt(j);
    if (c !== 0x22 && c !== 0x27) continue;
    const close = doc.indexOf(c === 0x22 ? '"' : "'", j + 1);
    if (close < 0) throw new ScanUnsupported('unterminated attribute');
    j = close;
    if (close > gt) gt = doc.indexOf('>', close);
    if (gt < 0) throw new ScanUnsupported('unterminated tag');
  }
  return gt;
}

function tagName(doc: string, from: number, to: number): string {
  let e = from;
  while (e < to) {
    const c = doc.charCodeAt(e);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f) break;
    e++;
  }
  if (e === from) throw new ScanUnsupported('empty tag name');
  return doc.slice(from, e);
}

/** The root element's name and its children, in document order. */
export function scanRoot(doc: string): { root: string; children: ScannedChild[] } {
  const children: ScannedChild[] = [];
  const stack: string[] = [];
  let root = '';
  let text = ''; // text of the innermost open element so far
  let leaf = true; // whether that element has had no child element yet
  let current: ScannedChild | null = null; // the open child of the root
  let i = 0;
  const n = doc.length;
  while (i < n) {
    const lt = doc.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i && stack.length >= 2) text += decodeEntities(doc.slice(i, end));
    if (lt < 0) break;
    const c1 = doc.charCodeAt(lt + 1);
    if (c1 === 0x3f /* ? */) {
      const e = doc.indexOf('?>', lt + 2);
      if (e < 0) throw new ScanUnsupported('unterminated declaration');
      i = e + 2;
    } else if (c1 === 0x21 /* ! */) {
      if (doc.startsWith('<!--', lt)) {
        const e = doc.indexOf('-->', lt + 4);
        if (e < 0) throw new ScanUnsupported('unterminated comment');
        i = e + 3;
      } else if (doc.startsWith('<![CDATA[', lt)) {
        const e = doc.indexOf(']]>', lt + 9);
        if (e < 0) throw new ScanUnsupported('unterminated CDATA');
        if (stack.length >= 2) text += lineEnds(doc.slice(lt + 9, e));
        i = e + 3;
      } else throw new ScanUnsupported('DOCTYPE');
    } else if (c1 === 0x2f /* / */) {
      const gt = doc.indexOf('>', lt);
      if (gt < 0) throw new ScanUnsupported('unterminated end tag');
      const name = doc.slice(lt + 2, gt).trimEnd();
      if (stack.pop() !== name) throw new ScanUnsupported(`mismatched </${name}>`);
      close(name);
      i = gt + 1;
    } else {
      const gt = tagEnd(doc, lt);
      const name = tagName(doc, lt + 1, gt);
      open(name);
      if (doc.charCodeAt(gt - 1) === 0x2f) close(name);
      else stack.push(name);
      i = gt + 1;
    }
  }
  if (stack.length || !root) throw new ScanUnsupported('unterminated document');
  return { root, children };

  function open(name: string): void {
    const depth = stack.length;
    if (depth === 0) {
      if (root) throw new ScanUnsupported('second root');
      root = name;
    } else if (depth === 1) current = { name, text: '', fields: null };
    else if (depth === 2) (current as ScannedChild).fields ??= {};
    leaf = true;
    text = '';
  }

  function close(name: string): void {
    const depth = stack.length; // the closed element's depth (it is off the stack)
    if (depth === 1) {
      const c = current as ScannedChild;
      if (c.fields === null) c.text = leaf ? text : '';
      children.push(c);
      current = null;
    } else if (depth === 2 && leaf) {
      const f = ((current as ScannedChild).fields ??= {});
      if (!(name in f)) f[name] = text; // the first one, as the tree's childText reads it
    }
    leaf = false; // the parent now has a child element
    text = '';
  }
}
