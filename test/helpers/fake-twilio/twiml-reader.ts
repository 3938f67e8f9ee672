// Reads TwiML documents into a small element tree, so the fake can follow them and tests can inspect them.

export interface TwimlElement {
  name: string;
  attributes: Record<string, string>;
  children: TwimlElement[];
  /** The element's own text (its direct text nodes, entities decoded). */
  text: string;
}

const token =
  /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<\/([\w:.-]+)\s*>|<([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
const attribute = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Parses the well-formed XML the SDK's VoiceResponse writes; throws on anything unbalanced. */
export function readTwiml(xml: string): TwimlElement {
  const root: TwimlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack = [root];
  for (const match of xml.matchAll(token)) {
    const [whole, closing, opening, attrs, selfClosing, text] = match;
    const top = stack[stack.length - 1];
    if (closing) {
      if (top.name !== closing) throw new Error(`TwiML: </${closing}> closes <${top.name}>`);
      stack.pop();
    } else if (opening) {
      const element: TwimlElement = { name: opening, attributes: {}, children: [], text: '' };
      for (const [, name, double, single] of (attrs ?? '').matchAll(attribute)) {
        element.attributes[name] = decodeEntities(double ?? single ?? '');
      }
      top.children.push(element);
      if (!selfClosing) stack.push(element);
    } else if (text !== undefined) {
      top.text += decodeEntities(text);
    } else if (!whole.startsWith('<?') && !whole.startsWith('<!--')) {
      throw new Error(`TwiML: cannot read ${whole.slice(0, 40)}`);
    }
  }
  if (stack.length !== 1) throw new Error(`TwiML: <${stack[stack.length - 1].name}> is never closed`);
  const response = root.children[0];
  if (!response) throw new Error('TwiML: empty document');
  return response;
}

/** Every element with this name, depth first, in document order. */
export function findElements(element: TwimlElement, name: string): TwimlElement[] {
  const found: TwimlElement[] = [];
  for (const child of element.children) {
    if (child.name === name) found.push(child);
    found.push(...findElements(child, name));
  }
  return found;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (entity[0] !== '#') return named[entity.toLowerCase()];
    return String.fromCodePoint(
      entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10),
    );
  });
}
